// A cluster HTTP server that serves a few requests to itself, then stops. Deterministic shape:
//   processes: 1 primary + 2 cluster workers (cluster.fork), each worker exits normally with code 0
//   requests:  4 sequential GETs from the primary to 127.0.0.1 (port chosen by the OS); with the
//              default round-robin scheduling each worker serves 2
//   messages:  each served request makes the worker send one 'served' to the primary = 4 sends on
//              channel kind 'process' (plus whatever cluster's own internal messages are)
// The primary then disconnects the workers, which lets every process end on its own.
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

const WORKERS = 2;
const REQUESTS = 4;

if (cluster.isPrimary) {
  cluster.schedulingPolicy = cluster.SCHED_RR;
  let listening = 0;
  let port = 0;
  const servedBy = {};
  for (let i = 0; i < WORKERS; i++) {
    const w = cluster.fork();
    w.on('message', (msg) => {
      if (msg && msg.type === 'served') servedBy[msg.pid] = (servedBy[msg.pid] || 0) + 1;
    });
  }
  cluster.on('listening', (_worker, address) => {
    port = address.port;
    if (++listening === WORKERS) void run();
  });
  async function run() {
    for (let i = 0; i < REQUESTS; i++) {
      const body = await get(`http://127.0.0.1:${port}/job/${i}`);
      console.log(`cluster: request ${i} -> ${body}`);
    }
    // Give the last 'served' messages time to arrive before closing the IPC channels.
    setTimeout(() => {
      console.log(`cluster: ${REQUESTS} requests served by ${Object.keys(servedBy).length} workers`);
      cluster.disconnect();
    }, 50);
  }
  function get(url) {
    return new Promise((resolve, reject) => {
      http.get(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(body));
      }).on('error', reject);
    });
  }
} else {
  const server = http.createServer((req, res) => {
    res.end(`served ${req.url} by worker ${cluster.worker.id}`);
    process.send({ type: 'served', pid: process.pid });
  });
  server.listen(0, '127.0.0.1');
}
