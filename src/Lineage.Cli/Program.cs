using System.CommandLine;
using Lineage.Cli;

var root = new RootCommand("Lineage: deep Q-learning trading agents trained as Durable orchestrations.")
{
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    ServeCommand.Create(),
    WorkerCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
