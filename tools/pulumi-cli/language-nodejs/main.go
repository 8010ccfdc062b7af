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
// It also runs Node.js policy packs (`pulumi preview --policy-pack policy`):
// the engine finds this host for a pack's `runtime: nodejs` and asks it to
// RunPlugin the pack, which starts @pulumi/pulumi's `cmd/run-policy-pack`
// behind the SDK's policy proxy, as the upstream host does.
//
// What it does not do (and this project does not need): plugin discovery from
// package.json (providers are acquired on demand by the engine), dependency
// installation (setup runs `npm ci`), code generation, plugins other than
// policy packs.
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

	sdk "github.com/pulumi/pulumi/sdk/v3"
	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
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
		for cmd := range h.plugins {
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
	// Policy packs started by RunPlugin: ended with the host when the engine is gone, but not by
	// Cancel (the engine still asks them about the steps it finishes after a Ctrl-C).
	plugins map[*exec.Cmd]struct{}
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

func (h *nodeHost) trackPlugin(cmd *exec.Cmd, running bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.plugins == nil {
		h.plugins = map[*exec.Cmd]struct{}{}
	}
	if running {
		h.plugins[cmd] = struct{}{}
	} else {
		delete(h.plugins, cmd)
	}
}

// analyzerKind is the plugin kind the engine names when it starts a policy pack.
const analyzerKind = "analyzer"

// RunPlugin starts a Node.js policy pack for the engine, the way the upstream nodejs host does
// (sdk/nodejs/cmd/pulumi-language-nodejs, RunPlugin): `node <@pulumi/pulumi/cmd/run-policy-pack>
// <engine flags and address> <pack directory>` in the pack's directory, behind the SDK's
// PolicyProxy, which answers the engine's Handshake and ConfigureStack and passes the stack's
// identity and config to the pack in the environment @pulumi/pulumi reads. The engine reads the
// proxy's port from the first line of stdout and then talks to the pack through it. The pack ends
// when the engine closes the plugin (the stream's context), or with this host.
func (h *nodeHost) RunPlugin(req *pulumirpc.RunPluginRequest, server pulumirpc.LanguageRuntime_RunPluginServer) error {
	if req.GetKind() != analyzerKind {
		return status.Errorf(codes.Unimplemented,
			"pulumi-language-nodejs (this project's) runs only policy packs (kind %q) as plugins, not kind %q", analyzerKind, req.GetKind())
	}
	ctx := server.Context()
	packDir := req.GetInfo().GetProgramDirectory()
	runPolicyPack, err := findSdkScript(packDir, "run-policy-pack")
	if err != nil {
		return fmt.Errorf("the policy pack in %s cannot start: %w", packDir, err)
	}

	closer, stdout, stderr, err := rpcutil.MakeRunPluginStreams(server, false)
	if err != nil {
		return err
	}
	defer closer.Close()

	env := append([]string{}, req.GetEnv()...)
	options := req.GetInfo().GetOptions().AsMap()
	if v, ok := options["typescript"].(bool); !ok || v {
		env = append(env, "PULUMI_NODEJS_TYPESCRIPT=true")
	}
	if v, ok := options["tsconfig"].(string); ok && v != "" {
		env = append(env, "PULUMI_NODEJS_TSCONFIG_PATH="+v)
	}

	// The proxy prints its own port first, then waits for the engine's ConfigureStack.
	proxy, stdout, err := sdk.NewPolicyProxy(ctx, stdout)
	if err != nil {
		return fmt.Errorf("could not start the policy pack proxy: %w", err)
	}
	config, err := proxy.AwaitConfiguration(ctx)
	if err != nil {
		return fmt.Errorf("the engine sent no stack configuration for the policy pack: %w", err)
	}
	if config != nil {
		setIf := func(k, v string) {
			if v != "" {
				env = append(env, k+"="+v)
			}
		}
		setIf("PULUMI_NODEJS_ORGANIZATION", config.GetOrganization())
		setIf("PULUMI_NODEJS_PROJECT", config.GetProject())
		setIf("PULUMI_NODEJS_STACK", config.GetStack())
		setIf("PULUMI_NODEJS_DRY_RUN", fmt.Sprint(config.GetDryRun()))
		if len(config.GetConfig()) > 0 {
			configJSON, err := json.Marshal(config.GetConfig())
			if err != nil {
				return fmt.Errorf("serializing the stack config for the policy pack: %w", err)
			}
			env = append(env, "PULUMI_CONFIG="+string(configJSON))
		}
	}

	// run-policy-pack takes the engine address first and the pack last.
	args := append([]string{runPolicyPack}, req.GetArgs()...)
	args = append(args, packDir)
	cmd := exec.CommandContext(ctx, h.nodeBin, args...)
	cmd.Dir = packDir
	cmd.Env = env
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("could not start node for the policy pack in %s: %w", packDir, err)
	}
	h.trackPlugin(cmd, true)
	defer h.trackPlugin(cmd, false)

	// Attach reads the pack's port, forwards the stack configuration and returns when the pack exits.
	if err := proxy.Attach(ctx, cmd); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return fmt.Errorf("the policy pack in %s exited with code %d", packDir, exitErr.ExitCode())
		}
		return fmt.Errorf("the policy pack in %s: %w", packDir, err)
	}
	return closer.Close()
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
			if found, err := findSdkScript(filepath.Dir(real), "run"); err == nil {
				return found, nil
			}
		}
	}
	return findSdkScript(programDir, "run")
}

// findSdkScript walks up from dir to the first node_modules/@pulumi/pulumi/cmd/<name>. A symlinked
// dir is walked from its real place, where Node resolves the modules of the files in it.
func findSdkScript(dir, name string) (string, error) {
	start, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if real, err := filepath.EvalSymlinks(start); err == nil {
		start = real
	}
	for at := start; ; {
		candidate := filepath.Join(at, "node_modules", "@pulumi", "pulumi", "cmd", name)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		parent := filepath.Dir(at)
		if parent == at {
			return "", fmt.Errorf(
				"@pulumi/pulumi is not installed for %s (no node_modules/@pulumi/pulumi/cmd/%s above it): run `npm ci` (or `npm run setup`) first",
				dir, name)
		}
		at = parent
	}
}
