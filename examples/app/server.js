// A tiny HTTP service for the papyrus pipeline to build, push and deploy.
// No dependencies: the image is the Node.js runtime plus this file.
//
//   GET /healthz  200 "ok"  (the load balancer's and ECS's health check path;
//                 `/health`, DigestPinnedService's default path, answers the same)
//   GET /         200 JSON  { service, version, commit }
//
// PORT (default 8080) and HOST (default 0.0.0.0) choose where it listens;
// PORT=0 picks a free port, which the "listening" log line reports.
"use strict";

const http = require("http");

const info = {
    service: "papyrus-example",
    version: process.env.APP_VERSION || "dev",
    commit: process.env.GIT_COMMIT || "unknown",
};

function log(fields) {
    process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...fields }) + "\n");
}

function handle(req, res) {
    const path = (req.url || "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
        res.end("method not allowed\n");
        return;
    }
    if (path === "/healthz" || path === "/health") {
        res.writeHead(200, { "content-type": "text/plain", "cache-control": "no-store" });
        res.end("ok\n");
        return;
    }
    if (path === "/") {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(info) + "\n");
        return;
    }
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found\n");
}

const server = http.createServer(handle);
// Longer than the ALB's idle timeout (60 s), so the load balancer closes idle connections first.
server.keepAliveTimeout = 65_000;

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST || "0.0.0.0";
server.listen(port, host, () => {
    const address = server.address();
    log({ msg: "listening", host: address.address, port: address.port, ...info });
});

// ECS sends SIGTERM on scale-in and deploys: finish in-flight requests, then exit.
for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
        log({ msg: "shutting down", signal });
        server.close(() => process.exit(0));
        server.closeIdleConnections();
        setTimeout(() => process.exit(0), 10_000).unref();
    });
}
