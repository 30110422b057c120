// Ignores SIGINT and SIGTERM: Stop Tracing must go on to SIGKILL, and say it is stopping meanwhile.
process.on('SIGINT', () => console.log('ignoring SIGINT'));
process.on('SIGTERM', () => console.log('ignoring SIGTERM'));
console.log('running until killed');
setInterval(() => {}, 1000);
