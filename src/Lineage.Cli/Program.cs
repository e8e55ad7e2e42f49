using System.CommandLine;
using Lineage.Cli;
using Lineage.Cli.Experiments;

var root = new RootCommand("Lineage: deep Q-learning trading agents trained as Durable orchestrations.")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ServeCommand.Create(),
    WorkerCommand.Create(),
    ExperimentCommand.Create(),
    ReportCommand.Create(),
    ModelCommands.Data(),
    ModelCommands.Promote(),
    ModelCommands.Rollback(),
    ModelCommands.Decide(),
    ModelCommands.Runs(),
};
return await root.Parse(args).InvokeAsync();
