// Preloaded (`node -r`) into processes the engine starts that would otherwise outlive it: the
// dynamic-provider plugin serves gRPC until told to stop, and a killed engine never tells it.
// When the parent dies the kernel re-parents us, so a changed ppid means the engine is gone.
const parent = process.ppid;
setInterval(() => {
    if (process.ppid !== parent) process.exit(1);
}, 250).unref();
