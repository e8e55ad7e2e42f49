using System.CommandLine;
using Lineage.Cli;
using Lineage.Cli.Experiments;
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
return await parse.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = stopsItself ? null : TimeSpan.FromSeconds(2) });
