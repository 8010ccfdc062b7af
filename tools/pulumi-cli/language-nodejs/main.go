// pulumi-language-nodejs: a small Node.js language host for the Pulumi engine.
//
// Why this exists: the Pulumi CLI comes from the Go module proxy, but the
// upstream nodejs language host is a separate, untagged Go module the proxy
// does not serve. The engine talks to a language host over one gRPC service
// (pulumirpc.LanguageRuntime, defined in the sdk/v3 module that the proxy
// does serve), and all the program-running logic lives in the npm package
// @pulumi/pulumi (`cmd/run`). So this host only has to: answer the engine's
// handshake, start `node <@pulumi/pulumi/cmd/run> <flags> <program>` with the
// program's config in the environment, and report how the program ended.
//
// What it does not do (and this project does not need): plugin discovery from
// package.json (providers are acquired on demand by the engine), dependency
// installation (setup runs `npm ci`), code generation, policy packs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// version is set at build time with -ldflags "-X main.version=v3.x.y".
var version = "v3.0.0-dev"

// exitCodeErrorAlreadyReported is what @pulumi/pulumi's cmd/run exits with when
// the program's error has already been logged to the engine.
const exitCodeErrorAlreadyReported = 32

func main() {
	engineAddress, err := parseArgs(os.Args[1:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: %v\n", err)
		os.Exit(2)
	}
	nodeBin, err := exec.LookPath("node")
	if err != nil {
		fmt.Fprintln(os.Stderr, "pulumi-language-nodejs: could not find `node` on PATH; run `npm run setup` (it links a Node.js within package.json `engines` into .tools/bin, which the driver puts on PATH) or install Node.js 22 or later")
		os.Exit(1)
	}

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: could not listen on loopback: %v\n", err)
		os.Exit(1)
	}
	server := grpc.NewServer(grpc.MaxRecvMsgSize(400 * 1024 * 1024))
	host := &nodeHost{nodeBin: nodeBin, engineAddress: engineAddress}
	pulumirpc.RegisterLanguageRuntimeServer(server, host)
	go host.exitWhenOrphaned(os.Getppid(), 250*time.Millisecond)

	// The engine reads the port from our first line of stdout.
	fmt.Printf("%d\n", listener.Addr().(*net.TCPAddr).Port)
	if err := server.Serve(listener); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: stopped serving: %v\n", err)
		os.Exit(1)
	}
}

// exitWhenOrphaned ends this host, and the programs it started, once the engine
// that started it is gone. A killed engine (SIGKILL, a lost CI runner) never
// calls Cancel or closes our listener, so without this the host, and a program
// blocked on the dead engine, would run until the machine stops. When the
// parent dies the kernel gives us a new parent, so a changed ppid is the sign.
func (h *nodeHost) exitWhenOrphaned(enginePid int, every time.Duration) {
	for range time.Tick(every) {
		if os.Getppid() == enginePid {
			continue
		}
		h.mu.Lock()
		for cmd := range h.running {
			_ = cmd.Process.Kill()
		}
		h.mu.Unlock()
		fmt.Fprintf(os.Stderr, "pulumi-language-nodejs: the engine (pid %d) is gone; exiting\n", enginePid)
		os.Exit(1)
	}
}

// parseArgs accepts the flags the engine passes to every plugin (-root=…,
// -tracing=…, -v=…, -logtostderr, …) and returns the engine address, the one
// positional argument.
func parseArgs(args []string) (string, error) {
	valueFlags := map[string]bool{"-root": true, "--root": true, "-tracing": true, "--tracing": true}
	engineAddress := ""
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if strings.HasPrefix(arg, "-") {
			if !strings.Contains(arg, "=") && valueFlags[arg] {
				i++
			}
			continue
		}
		engineAddress = arg
	}
	return engineAddress, nil
}

type nodeHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	nodeBin string

	mu            sync.Mutex
	engineAddress string
	running       map[*exec.Cmd]struct{}
}

func (h *nodeHost) Handshake(
	_ context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if req.GetEngineAddress() != "" {
		h.engineAddress = req.GetEngineAddress()
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *nodeHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version}, nil
}

// Providers are acquired by the engine when a resource first needs them.
func (h *nodeHost) GetRequiredPlugins(
	context.Context, *pulumirpc.GetRequiredPluginsRequest,
) (*pulumirpc.GetRequiredPluginsResponse, error) {
	return &pulumirpc.GetRequiredPluginsResponse{}, nil
}

func (h *nodeHost) GetRequiredPackages(
	context.Context, *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	return &pulumirpc.GetRequiredPackagesResponse{}, nil
}

func (h *nodeHost) GetProgramDependencies(
	context.Context, *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	return &pulumirpc.GetProgramDependenciesResponse{}, nil
}

func (h *nodeHost) About(context.Context, *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	out, err := exec.Command(h.nodeBin, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("running node --version: %w", err)
	}
	return &pulumirpc.AboutResponse{Executable: h.nodeBin, Version: strings.TrimSpace(string(out))}, nil
}

// Dependencies are installed by the project's setup (`npm ci`), never by the engine.
func (h *nodeHost) InstallDependencies(
	_ *pulumirpc.InstallDependenciesRequest, _ grpc.ServerStreamingServer[pulumirpc.InstallDependenciesResponse],
) error {
	return nil
}

// Cancel stops every program this host started; the engine calls it on SIGINT.
func (h *nodeHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for cmd := range h.running {
		_ = cmd.Process.Signal(syscall.SIGINT)
	}
	return &emptypb.Empty{}, nil
}

func (h *nodeHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	programDir := req.GetInfo().GetProgramDirectory()
	if programDir == "" {
		programDir = req.GetPwd()
	}
	runScript, err := findRunScript(programDir, req.GetInfo().GetEntryPoint())
	if err != nil {
		return nil, err
	}
	env, err := programEnvironment(req)
	if err != nil {
		return nil, err
	}

	cmd := exec.CommandContext(ctx, h.nodeBin, h.runArguments(runScript, req)...)
	cmd.Dir = programDir
	cmd.Env = env
	cmd.Stdout = os.Stdout
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("could not start node for %s: %w", programDir, err)
	}
	h.track(cmd, true)
	defer h.track(cmd, false)

	var exitErr *exec.ExitError
	switch err := cmd.Wait(); {
	case err == nil:
		return &pulumirpc.RunResponse{}, nil
	case errors.As(err, &exitErr) && exitErr.ExitCode() == exitCodeErrorAlreadyReported:
		return &pulumirpc.RunResponse{Bail: true}, nil
	case errors.As(err, &exitErr):
		return &pulumirpc.RunResponse{
			Error: fmt.Sprintf("Program exited with non-zero exit code: %d", exitErr.ExitCode()),
		}, nil
	default:
		return nil, fmt.Errorf("problem executing program: %w", err)
	}
}

func (h *nodeHost) track(cmd *exec.Cmd, running bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.running == nil {
		h.running = map[*exec.Cmd]struct{}{}
	}
	if running {
		h.running[cmd] = struct{}{}
	} else {
		delete(h.running, cmd)
	}
}

func (h *nodeHost) runArguments(runScript string, req *pulumirpc.RunRequest) []string {
	h.mu.Lock()
	engineAddress := h.engineAddress
	h.mu.Unlock()

	args := []string{runScript}
	flag := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flag("monitor", req.GetMonitorAddress())
	flag("engine", engineAddress)
	flag("organization", req.GetOrganization())
	flag("project", req.GetProject())
	flag("root-directory", req.GetInfo().GetRootDirectory())
	flag("stack", req.GetStack())
	flag("pwd", req.GetPwd())
	if req.GetDryRun() {
		args = append(args, "--dry-run")
	}
	if req.GetParallel() > 0 {
		flag("parallel", fmt.Sprint(req.GetParallel()))
	}
	entryPoint := req.GetInfo().GetEntryPoint()
	if entryPoint == "" {
		entryPoint = "."
	}
	args = append(args, entryPoint)
	return append(args, req.GetArgs()...)
}

// programEnvironment passes config the way @pulumi/pulumi reads it, and the
// `runtime.options` of Pulumi.yaml the way cmd/run reads them.
func programEnvironment(req *pulumirpc.RunRequest) ([]string, error) {
	config, err := json.Marshal(orEmpty(req.GetConfig()))
	if err != nil {
		return nil, fmt.Errorf("serializing config: %w", err)
	}
	secretKeys, err := json.Marshal(append([]string{}, req.GetConfigSecretKeys()...))
	if err != nil {
		return nil, fmt.Errorf("serializing secret config keys: %w", err)
	}
	env := append(os.Environ(),
		"PULUMI_CONFIG="+string(config),
		"PULUMI_CONFIG_SECRET_KEYS="+string(secretKeys),
	)

	options := req.GetInfo().GetOptions().AsMap()
	typescript := true
	if v, ok := options["typescript"].(bool); ok {
		typescript = v
	}
	if typescript {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if v, ok := options["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}
	if v, ok := options["nodeargs"].(string); ok && v != "" {
		env = append(env, "NODE_OPTIONS="+strings.TrimSpace(os.Getenv("NODE_OPTIONS")+" "+v))
	}
	return env, nil
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// findRunScript walks up from the program directory the way Node resolves
// packages, to the @pulumi/pulumi the program itself depends on. When the
// entry point is a symlink, Node resolves from its real location, and so do we.
func findRunScript(programDir, entryPoint string) (string, error) {
	if override := os.Getenv("PULUMI_LANGUAGE_NODEJS_RUN_PATH"); override != "" {
		return override, nil
	}
	if entryPoint != "" && entryPoint != "." {
		if real, err := filepath.EvalSymlinks(filepath.Join(programDir, entryPoint)); err == nil {
			if found, err := walkUpForRunScript(filepath.Dir(real)); err == nil {
				return found, nil
			}
		}
	}
	return walkUpForRunScript(programDir)
}

func walkUpForRunScript(programDir string) (string, error) {
	dir, err := filepath.Abs(programDir)
	if err != nil {
		return "", err
	}
	for {
		candidate := filepath.Join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run")
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf(
				"@pulumi/pulumi is not installed for the program in %s: run `npm ci` (or `npm run setup`) first",
				programDir)
		}
		dir = parent
	}
}
