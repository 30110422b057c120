// Runs until stopped: Stop Tracing and closing the terminal must end it and keep the trace.
console.log('running until stopped');
setInterval(() => {}, 1000);
