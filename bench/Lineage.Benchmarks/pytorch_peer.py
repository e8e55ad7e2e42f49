"""The single-process PyTorch peer of `lineage train`: the same training run as one Python process, written the way a
competent engineer would write it for speed (issue 18).

What it does, per iteration, as the default `lineage train` does (TrainingRun defaults; synthetic:trend):
  - acts: `episodes` ε-greedy episodes of `steps` steps on the training split, vectorised over the episodes with numpy
    (one batched torch forward per step); ε linear 1.0 → 0.05 over the first half of the iterations;
  - learns: `updates` double-DQN updates (dqn_torch.DqnLearner: Huber, Adam, clipping at 10, target every 250) on
    batches sampled uniformly from a FIFO replay buffer of `capacity` experiences, once it holds `learning_starts`;
  - evaluates greedily on the validation split with the baselines Lineage scores beside the agent: buy-and-hold, flat,
    20 seeded random policies, the 14 simple rules and the synthetic market's oracle (all of them one vectorised
    simulation), and keeps the best checkpoint by validation return;
  - at the end scores that checkpoint once on the test split, with a 10,000-draw paired stationary bootstrap of the
    agent's excess return and Sharpe over buy-and-hold and over the best rule.
The environment has Lineage's semantics: the regime-switching trend market (drift ±0.25 σ, σ 1 %, switch 2 %), state =
the 1-bar log return, the 20-bar momentum and the volatility-normalised return (z-scored on the training split) plus
the exposure and the open position's unrealised PnL; actions are target exposures 0, 0.5, 1 of equity with a 0.05
rebalance band; 10 bps fee on the traded notional; fills at the next bar's close; reward 100 × the log change of
equity; an episode ends at half the initial capital (bankrupt) or after `steps` steps.
The series are not Lineage's bit for bit (another RNG): the peer matches the work, not the numbers.

Prints one JSON object: the phases' seconds, env steps, updates and the learner's mean µs per update.
Usage: python3 pytorch_peer.py [--iterations 20] [--episodes 8] [--steps 256] [--updates 256] [--hidden 64] ...
"""
import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import copy  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from numpy.lib.stride_tricks import sliding_window_view  # noqa: E402

from dqn_torch import DqnLearner  # noqa: E402

IMPORTED = time.perf_counter()

EXPOSURES = np.array([0.0, 0.5, 1.0])
FEE = 10 / 10_000
BAND = 0.05
CAPITAL = 10_000.0
WINDOW = 20
BARS_PER_YEAR = 252


def regime_trend(bars, rng, drift=0.0025, sigma=0.01, switch=0.02):
    flips = rng.random(bars) < switch
    flips[0] = False
    up = np.logical_xor(rng.random() < 0.5, np.cumsum(flips) % 2 == 1)
    mu = np.where(up, drift, -drift)
    steps = mu + sigma * rng.standard_normal(bars)
    steps[0] = 0
    return np.log(100.0) + np.cumsum(steps), mu


def market_features(logp):
    r = np.diff(logp, prepend=logp[0])
    mom = np.zeros_like(logp)
    mom[WINDOW:] = logp[WINDOW:] - logp[:-WINDOW]
    sd = np.zeros_like(logp)
    sd[WINDOW:] = sliding_window_view(r[1:], WINDOW).std(axis=1, ddof=1)[: len(logp) - WINDOW]
    vnr = np.divide(r, sd, out=np.zeros_like(r), where=sd > 0)
    return np.stack([r, mom, vnr], axis=1)


class Market:
    """One split: closes, normalised market features, and the oracle's exposure (the regime in force)."""

    def __init__(self, logp, drift, mean, std, first):
        self.close = np.exp(logp)
        self.rows = ((market_features(logp) - mean) / std).astype(np.float32)
        self.oracle = (drift > 0).astype(np.float64)
        self.logp = logp
        self.first = first  # the first bar an episode may act on (after the features' warm-up)


class Accounts:
    """E accounts trading one market in lockstep: Arena.ExecuteTarget and MarkToMarket, vectorised."""

    def __init__(self, market, starts):
        n = len(starts)
        self.m, self.t = market, np.array(starts)
        self.cash, self.units, self.entry = np.full(n, CAPITAL), np.zeros(n), np.zeros(n)
        self.equity = np.full(n, CAPITAL)
        self.peak = np.full(n, CAPITAL)
        self.max_drawdown = np.zeros(n)
        self.trades = np.zeros(n, dtype=np.int64)

    def exposure(self):
        price = self.m.close[self.t]
        return np.divide(self.units * price, self.equity, out=np.zeros_like(self.equity), where=(self.units != 0) & (self.equity > 0))

    def states(self):
        upnl = np.divide(self.m.close[self.t] - self.entry, self.entry, out=np.zeros_like(self.entry), where=self.entry > 0)
        account = np.stack([self.exposure(), np.clip(upnl, -1, 1)], axis=1).astype(np.float32)
        return np.concatenate([self.m.rows[self.t], account], axis=1)

    def step(self, targets):
        """Fills each account's target exposure at the next bar's close, marks it there; returns the log-equity change."""
        price = self.m.close[self.t + 1]
        equity = self.cash + self.units * price
        current = np.divide(self.units * price, equity, out=np.zeros_like(equity), where=(self.units != 0) & (equity > 0))
        trade = np.where(targets == 0, self.units != 0, (np.abs(targets - current) > BAND) | (current <= 0))
        wanted = np.where(targets == 0, 0.0, targets * equity / (price * (1 + FEE)))
        delta = np.where(trade, wanted - self.units, 0.0)
        self.cash -= delta * price + np.abs(delta) * price * FEE
        opening = trade & (self.units == 0) & (wanted != 0)
        growing = trade & (self.units != 0) & (wanted > self.units)
        self.entry = np.where(opening, price, np.where(growing, np.divide(self.units * self.entry + delta * price, wanted, out=np.zeros_like(wanted), where=wanted != 0), self.entry))
        self.entry = np.where(trade & (wanted == 0), 0.0, self.entry)
        self.trades += opening
        self.units = np.where(trade, wanted, self.units)
        new_equity = self.cash + self.units * price
        change = np.log(np.maximum(new_equity, 1e-9) / self.equity)
        self.equity = new_equity
        self.peak = np.maximum(self.peak, new_equity)
        self.max_drawdown = np.maximum(self.max_drawdown, (self.peak - new_equity) / self.peak)
        self.t = self.t + 1
        return change

    def close_out(self):
        """Closes what is still open at the window's last close, paying the fee, as Lineage's evaluation does."""
        price = self.m.close[self.t]
        self.cash += self.units * price - np.abs(self.units) * price * FEE
        self.units = np.zeros_like(self.units)
        self.equity = self.cash.copy()


def rule_exposures(market):
    """The 14 simple rules' exposures at every bar: MA crossovers (10/50, 20/100, 50/200) and momentum (20, 60, 120, 250), long-only and long-short."""
    close, logp = market.close, market.logp
    columns = []
    for long_short in (False, True):
        low = -1.0 if long_short else 0.0
        for fast, slow in ((10, 50), (20, 100), (50, 200)):
            cs = np.concatenate([[0.0], np.cumsum(close)])
            ma = lambda w: np.concatenate([np.full(w - 1, np.nan), (cs[w:] - cs[:-w]) / w])  # noqa: E731
            columns.append(np.where(ma(fast) > ma(slow), 1.0, low))
        for lookback in (20, 60, 120, 250):
            mom = np.full(len(logp), np.nan)
            mom[lookback:] = logp[lookback:] - logp[:-lookback]
            columns.append(np.where(mom > 0, 1.0, low))
    # The arena is long-only: a long-short rule's short is flat here, as Lineage clamps it.
    return np.clip(np.nan_to_num(np.stack(columns, axis=1), nan=0.0), 0.0, 1.0)


def simulate(market, first, exposures_at):
    """Plays policies over bars first..end-1 from flat; exposures_at(accounts, t) gives each account's target. Returns per-bar log returns [bars, E] and the accounts."""
    count = exposures_at(None, first).shape[0]
    accounts = Accounts(market, np.full(count, first))
    returns = []
    for t in range(first, len(market.close) - 1):
        returns.append(accounts.step(exposures_at(accounts, t)))
    last = returns[-1]
    equity_before = accounts.equity.copy()
    accounts.close_out()
    returns[-1] = last + np.log(np.maximum(accounts.equity, 1e-9) / equity_before)
    return np.array(returns), accounts


def metrics(log_returns, accounts):
    return {"roi": accounts.equity / CAPITAL - 1, "sharpe": sharpe_of(log_returns), "max_drawdown": accounts.max_drawdown, "trades": accounts.trades}


def greedy_returns(online, market, first):
    """The agent's greedy walk over bars first..end-1, one account in plain floats (Accounts.step's rules for one account)
    with the network's forward in numpy: at batch 1 both beat numpy's and torch's per-call overhead. Returns the per-bar
    log returns (the last one after the close-out fee), max drawdown and trades."""
    layers = [(m.weight.detach().numpy().astype(np.float64).T, m.bias.detach().numpy().astype(np.float64)) for m in [*online.hidden, online.output]]
    close, rows = market.close, market.rows.astype(np.float64)
    cash, units, entry, equity, peak, max_dd, trades = CAPITAL, 0.0, 0.0, CAPITAL, CAPITAL, 0.0, 0
    out = np.empty(len(close) - 1 - first)
    x = np.empty(rows.shape[1] + 2)
    for k, t in enumerate(range(first, len(close) - 1)):
        price_now = close[t]
        x[:-2] = rows[t]
        x[-2] = units * price_now / equity if units != 0 and equity > 0 else 0.0
        x[-1] = min(1.0, max(-1.0, (price_now - entry) / entry)) if entry > 0 else 0.0
        h = x
        for w, b in layers[:-1]:
            h = np.maximum(h @ w + b, 0.0)
        target = EXPOSURES[int(np.argmax(h @ layers[-1][0] + layers[-1][1]))]
        price = close[t + 1]
        equity_fill = cash + units * price
        current = units * price / equity_fill if units != 0 and equity_fill > 0 else 0.0
        trade = units != 0 if target == 0 else (abs(target - current) > BAND or current <= 0)
        if trade:
            wanted = 0.0 if target == 0 else target * equity_fill / (price * (1 + FEE))
            delta = wanted - units
            cash -= delta * price + abs(delta) * price * FEE
            if units == 0 and wanted != 0:
                entry, trades = price, trades + 1
            elif wanted > units:
                entry = (units * entry + delta * price) / wanted
            if wanted == 0:
                entry = 0.0
            units = wanted
        new_equity = cash + units * price
        out[k] = math.log(max(new_equity, 1e-9) / equity)
        equity, peak = new_equity, max(peak, new_equity)
        max_dd = max(max_dd, (peak - equity) / peak)
    closed = cash + units * close[-1] - abs(units) * close[-1] * FEE
    out[-1] += math.log(max(closed, 1e-9) / equity)
    return out, closed, max_dd, trades


class Baselines:
    """Buy-and-hold, flat, 20 seeded random policies, the 14 simple rules and the oracle on one split, in one vectorised
    simulation. They do not depend on the agent, so they are simulated once per split and reused by every evaluation."""

    def __init__(self, market, rng):
        rules = rule_exposures(market)
        random_actions = rng.integers(0, len(EXPOSURES), (len(market.close), 20))
        targets = lambda accounts, t: np.concatenate([[1.0, 0.0], EXPOSURES[random_actions[t]], rules[t], [market.oracle[t]]])  # noqa: E731
        self.returns, accounts = simulate(market, market.first, targets)
        self.metrics = metrics(self.returns, accounts)


def sharpe_of(log_returns):
    simple = np.expm1(log_returns)
    sd = simple.std(axis=0, ddof=1)
    return np.divide(simple.mean(axis=0), sd, out=np.zeros_like(sd), where=sd > 0) * math.sqrt(BARS_PER_YEAR)


def evaluate(online, market, baselines, rng=None, bootstrap_draws=0, best_rule=None):
    agent_returns, agent_equity, agent_dd, agent_trades = greedy_returns(online, market, market.first)
    base = baselines.metrics
    rule = int(np.argmax(base["sharpe"][22:36])) if best_rule is None else best_rule
    report = {
        "agent_roi": agent_equity / CAPITAL - 1, "agent_sharpe": float(sharpe_of(agent_returns)), "agent_max_drawdown": agent_dd, "agent_trades": agent_trades,
        "buy_and_hold_roi": float(base["roi"][0]), "flat_roi": float(base["roi"][1]),
        "random_mean_roi": float(base["roi"][2:22].mean()), "best_rule": rule, "best_rule_roi": float(base["roi"][22 + rule]),
        "oracle_roi": float(base["roi"][36]),
    }
    if bootstrap_draws:
        pairs = {"buy_and_hold": baselines.returns[:, 0], "best_rule": baselines.returns[:, 22 + rule]}
        report["bootstrap"] = paired_bootstrap(np.expm1(agent_returns), {k: np.expm1(v) for k, v in pairs.items()}, bootstrap_draws, rng)
    return report


def paired_bootstrap(agent, baselines, draws, rng):
    """Politis–Romano stationary bootstrap (block length n^(1/3)), the same resampled bars for the agent and each baseline."""
    n = len(agent)
    block = max(1.0, n ** (1 / 3))
    starts = rng.integers(0, n, (draws, n))
    restart = rng.random((draws, n)) < 1 / block
    restart[:, 0] = True
    # Each bar's block began at the last restart at or before it; the block runs on from that restart's start, wrapping.
    positions = np.arange(n)
    began = np.maximum.accumulate(np.where(restart, positions, 0), axis=1)
    index = (np.take_along_axis(starts, began, axis=1) + positions - began) % n
    a = agent[index]
    out = {}
    for name, returns in baselines.items():
        b = returns[index]
        excess_return = np.prod(1 + a, axis=1) - np.prod(1 + b, axis=1)
        sharpe = lambda x: x.mean(axis=1) / np.maximum(x.std(axis=1, ddof=1), 1e-12) * math.sqrt(BARS_PER_YEAR)  # noqa: E731
        excess_sharpe = sharpe(a) - sharpe(b)
        out[name] = {"excess_return_ci": np.percentile(excess_return, [2.5, 97.5]).tolist(), "excess_sharpe_ci": np.percentile(excess_sharpe, [2.5, 97.5]).tolist()}
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--steps", type=int, default=256)
    parser.add_argument("--updates", type=int, default=256)
    parser.add_argument("--hidden", default="64", help="comma-separated hidden layer widths")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--capacity", type=int, default=10_000)
    parser.add_argument("--learning-starts", type=int, default=500)
    parser.add_argument("--bars", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--bootstrap", type=int, default=10_000)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    # Train, validation and test: 70 / 15 / 15 % of one series; validation and test carry the features' warm-up in front.
    logp, drift = regime_trend(args.bars, rng)
    train_end, validation_end = int(args.bars * 0.7), int(args.bars * 0.85)
    raw = market_features(logp[:train_end])[WINDOW + 1:]
    mean, std = raw.mean(axis=0), raw.std(axis=0) + 1e-8
    warm = WINDOW + 1
    train = Market(logp[:train_end], drift[:train_end], mean, std, warm)
    validation = Market(logp[train_end - warm:validation_end], drift[train_end - warm:validation_end], mean, std, warm)
    test = Market(logp[validation_end - warm:], drift[validation_end - warm:], mean, std, warm)

    state, actions = train.rows.shape[1] + 2, len(EXPOSURES)
    learner = DqnLearner(state, [int(h) for h in args.hidden.split(",")], actions)
    cap = args.capacity
    buf_s, buf_s2 = np.zeros((cap, state), np.float32), np.zeros((cap, state), np.float32)
    buf_a, buf_r, buf_live = np.zeros((cap, 1), np.int64), np.zeros(cap, np.float32), np.zeros(cap, np.float32)
    size, head = 0, 0
    phases = {"acting": 0.0, "learning": 0.0, "update": 0.0, "evaluation": 0.0}
    env_steps, updates, best, best_score, validation_baselines = 0, 0, None, -math.inf, None
    last_start = len(train.close) - args.steps - 1
    for iteration in range(args.iterations):
        t0 = time.perf_counter()
        epsilon = max(0.05, 1.0 - (1.0 - 0.05) * iteration / max(1.0, 0.5 * args.iterations))
        accounts = Accounts(train, rng.integers(train.first, last_start + 1, args.episodes))
        alive = np.ones(args.episodes, dtype=bool)
        states = accounts.states()
        for _ in range(args.steps):
            with torch.no_grad():
                greedy = learner.online(torch.from_numpy(states)).argmax(1).numpy()
            chosen = np.where(rng.random(args.episodes) < epsilon, rng.integers(0, actions, args.episodes), greedy)
            reward = 100 * accounts.step(EXPOSURES[chosen])
            bankrupt = accounts.equity <= 0.5 * CAPITAL
            next_states = accounts.states()
            rows = np.flatnonzero(alive)
            slots = (head + np.arange(len(rows))) % cap
            buf_s[slots], buf_s2[slots] = states[rows], next_states[rows]
            buf_a[slots, 0], buf_r[slots], buf_live[slots] = chosen[rows], reward[rows], (~bankrupt[rows]).astype(np.float32)
            head, size = (head + len(rows)) % cap, min(cap, size + len(rows))
            env_steps += len(rows)
            alive &= ~bankrupt
            if not alive.any():
                break
            states = next_states
        t1 = time.perf_counter()
        phases["acting"] += t1 - t0
        if size >= max(args.learning_starts, args.batch):
            for _ in range(args.updates):
                i = rng.integers(0, size, args.batch)
                u0 = time.perf_counter()
                learner.update(buf_s[i], buf_a[i], buf_r[i], buf_s2[i], buf_live[i])
                phases["update"] += time.perf_counter() - u0
                updates += 1
        t2 = time.perf_counter()
        phases["learning"] += t2 - t1
        if validation_baselines is None:
            validation_baselines = Baselines(validation, np.random.default_rng(args.seed + 1))
        report = evaluate(learner.online, validation, validation_baselines)
        if report["agent_roi"] > best_score:
            best_score, best = report["agent_roi"], copy.deepcopy(learner.online.state_dict())
        phases["evaluation"] += time.perf_counter() - t2
        last = report
    t3 = time.perf_counter()
    learner.online.load_state_dict(best)
    scored = evaluate(learner.online, test, Baselines(test, np.random.default_rng(args.seed + 2)), np.random.default_rng(args.seed + 3), args.bootstrap, best_rule=last["best_rule"])
    phases["evaluation"] += time.perf_counter() - t3
    print(json.dumps({
        "imports_s": IMPORTED - STARTED, "acting_s": phases["acting"], "learning_s": phases["learning"], "evaluation_s": phases["evaluation"],
        "script_s": time.perf_counter() - STARTED, "env_steps": env_steps, "updates": updates,
        "update_us": phases["update"] / max(1, updates) * 1e6, "net": f"{state}-{args.hidden.replace(',', '-')}-{actions}", "batch": args.batch,
        "evaluations": args.iterations + 1, "last_validation": last, "test": scored, "torch": torch.__version__,
    }), flush=True)


if __name__ == "__main__":
    main()
