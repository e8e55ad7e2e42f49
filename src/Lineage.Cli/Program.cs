using System.CommandLine;
using Lineage.Cli;
using Lineage.Cli.Experiments;
using Lineage.Cli.PopulationRuns;
using Lineage.Cli.WalkForwardRuns;

var train = TrainCommand.Create();
var serve = ServeCommand.Create();
var worker = WorkerCommand.Create();
var root = new RootCommand("Lineage: deep Q-learning trading agents trained as Durable orchestrations.")
{
    train,
    EvaluateCommand.Create(),
    serve,
    worker,
    ExperimentCommand.Create(),
    WalkForwardCommand.Create(),
    PopulationCommand.Create(),
    NightlyCommand.Create(),
    ReportCommand.Create(),
    ModelCommands.Data(),
    ModelCommands.Promote(),
    ModelCommands.Rollback(),
    ModelCommands.Decide(),
    ModelCommands.Runs(),
};
var parse = root.Parse(args);

// train, serve and worker stop gracefully on SIGINT and SIGTERM themselves (StopSignal); the other commands keep
// System.CommandLine's handling (cancel the token, exit 130/143 if the command has not returned within 2 s).
var stopsItself = parse.CommandResult.Command == train || parse.CommandResult.Command == serve || parse.CommandResult.Command == worker;
// An error no command handled ends with its message and exit code 1, never a stack trace (LINEAGE_TRACE=1 shows it).
var configuration = new InvocationConfiguration { ProcessTerminationTimeout = stopsItself ? null : TimeSpan.FromSeconds(2), EnableDefaultExceptionHandler = false };
try
{
    return await parse.InvokeAsync(configuration);
}
catch (OperationCanceledException)
{
    await Console.Error.WriteLineAsync("lineage: cancelled.");
    return 130;
}
#pragma warning disable CA1031 // The process's last line of defence: every error becomes a message and an exit code.
catch (Exception error)
#pragma warning restore CA1031
{
    await Console.Error.WriteLineAsync($"lineage: {Describe(error)}");
    await Console.Error.WriteLineAsync(Environment.GetEnvironmentVariable("LINEAGE_TRACE") == "1" ? error.ToString() : "(set LINEAGE_TRACE=1 to see where it failed)");
    return 1;
}

// A storage error's message carries the whole HTTP response (headers, XML body): say what was refused and what to check.
static string Describe(Exception error) => error is Azure.RequestFailedException { Status: > 0 } storage
    ? $"storage refused a request: {storage.Status} {storage.ErrorCode ?? "(no error code)"}, {storage.Message.Split('\n')[0].Trim()}{Hint(storage)}"
    : error.Message;

static string Hint(Azure.RequestFailedException storage) => storage.Status switch
{
    401 or 403 => " Check the storage connection string (account name and key, or the SAS token and its permissions).",
    404 => " Check the container and the run or dataset named.",
    _ => "",
};
