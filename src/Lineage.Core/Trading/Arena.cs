namespace Lineage.Core.Trading;

/// <summary>What the account looked like after a mark: the inputs of the reward.</summary>
public readonly record struct AccountSnapshot(double Equity, double Drawdown, double WinRate, int Scars, bool Bankrupt);

/// <summary>
/// One agent's account on one series. <see cref="Execute"/> fills an action at a price (the caller passes the
/// next bar's open, or its close for close-only data); <see cref="MarkToMarket"/> values the account at a
/// close and tracks peak, drawdown and bankruptcy. Equity is always Cash + Units × last price.
/// A trade is one opened position; it is a win or a scar (loss) when closed, net of both fills' fees.
/// </summary>
public sealed class Arena
{
    private readonly double _fee;
    private readonly double _slippage;

    public Arena(ArenaOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.EnsureValid();
        Options = options;
        _fee = options.FeeBps / 10_000;
        _slippage = options.SlippageBps / 10_000;
        Reset(1);
    }

    public ArenaOptions Options { get; }

    public double Cash { get; private set; }

    /// <summary>Signed quantity held: positive long, negative short.</summary>
    public double Units { get; private set; }

    /// <summary>−1 short, 0 flat, +1 long.</summary>
    public int Position => Math.Sign(Units);

    /// <summary>Fill price (after slippage) of the open position; 0 when flat.</summary>
    public double EntryPrice { get; private set; }

    public double LastPrice { get; private set; }

    public double Equity => Cash + (Units * LastPrice);

    public double PositionValue => Units * LastPrice;

    public double Peak { get; private set; }

    public double Drawdown { get; private set; }

    public double MaxDrawdown { get; private set; }

    public double TotalFees { get; private set; }

    public int Trades { get; private set; }

    public int Wins { get; private set; }

    /// <summary>Losing closed trades.</summary>
    public int Scars { get; private set; }

    public int ClosedTrades { get; private set; }

    public double WinRate => ClosedTrades == 0 ? 0 : (double)Wins / ClosedTrades;

    public bool Bankrupt { get; private set; }

    /// <summary>Borrow cost paid on short positions since the reset (<see cref="ArenaOptions.ShortBorrowRate"/>).</summary>
    public double TotalBorrowCost { get; private set; }

    /// <summary>Signed exposure: position value over equity (±1 all-in; fractional under target-exposure actions); 0 when flat or wiped out.</summary>
    public double Exposure => Units == 0 || Equity <= 0 ? 0 : Units * LastPrice / Equity;

    /// <summary>Costs of the open position so far (fills' fees and borrow), counted against it when it closes.</summary>
    private double EntryFee { get; set; }

    /// <summary>PnL banked by partial reductions of the open position (target-exposure actions only), before costs.</summary>
    private double _realized;

    public double Roi => (Equity / Options.InitialCapital) - 1;

    /// <summary>Flat account with the initial capital, valued at <paramref name="markPrice"/>.</summary>
    public void Reset(double markPrice)
    {
        Cash = Options.InitialCapital;
        Units = 0;
        EntryPrice = 0;
        EntryFee = 0;
        LastPrice = markPrice;
        Peak = Options.InitialCapital;
        Drawdown = 0;
        MaxDrawdown = 0;
        TotalFees = 0;
        TotalBorrowCost = 0;
        _realized = 0;
        Trades = 0;
        Wins = 0;
        Scars = 0;
        ClosedTrades = 0;
        Bankrupt = false;
    }

    /// <summary>The position the action asks for: Hold keeps it, Sell flattens when long-only.</summary>
    public int TargetPosition(TradeAction action) => action switch
    {
        TradeAction.Hold => Position,
        TradeAction.Buy => 1,
        TradeAction.Sell => Options.LongOnly ? 0 : -1,
        TradeAction.Close => 0,
        _ => throw new ArgumentOutOfRangeException(nameof(action), action, "Unknown trade action."),
    };

    /// <summary>Moves to the action's target position at <paramref name="price"/>. Returns the fees paid (0 when nothing trades).</summary>
    public double Execute(TradeAction action, double price)
    {
        if (!double.IsFinite(price) || price <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(price), price, "Fill price must be positive and finite.");
        }

        var target = TargetPosition(action);
        LastPrice = price;
        if (target == Position)
        {
            return 0;
        }

        var fees = 0.0;
        if (Units != 0)
        {
            var exitPrice = Units > 0 ? price * (1 - _slippage) : price * (1 + _slippage);
            var exitFee = Math.Abs(Units) * exitPrice * _fee;
            var pnl = _realized + (Units * (exitPrice - EntryPrice)) - EntryFee - exitFee;
            Cash += (Units * exitPrice) - exitFee;
            fees += exitFee;
            ClosedTrades++;
            if (pnl > 0)
            {
                Wins++;
            }
            else if (pnl < 0)
            {
                Scars++;
            }

            Units = 0;
            EntryPrice = 0;
            EntryFee = 0;
            _realized = 0;
        }

        var budget = Options.PositionFraction * Cash;
        if (target != 0 && budget > 0)
        {
            var entryPrice = target > 0 ? price * (1 + _slippage) : price * (1 - _slippage);
            var quantity = budget / (entryPrice * (1 + _fee));
            var entryFee = quantity * entryPrice * _fee;
            Units = target * quantity;
            Cash -= (Units * entryPrice) + entryFee;
            EntryPrice = entryPrice;
            EntryFee = entryFee;
            fees += entryFee;
            Trades++;
        }

        TotalFees += fees;
        return fees;
    }

    /// <summary>
    /// Moves the position to <paramref name="exposure"/> of equity at <paramref name="price"/> (target-exposure actions),
    /// paying fee and slippage on the traded notional only. A target within <see cref="ArenaOptions.RebalanceBand"/> of the
    /// current exposure, on the same side, trades nothing; a target of 0 always flattens. The traded quantity leaves room
    /// for the fee, so a target of 1 from cash spends the cash and no more. Returns the fees paid.
    /// </summary>
    public double ExecuteTarget(double exposure, double price)
    {
        if (!double.IsFinite(price) || price <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(price), price, "Fill price must be positive and finite.");
        }

        if (!double.IsFinite(exposure))
        {
            throw new ArgumentOutOfRangeException(nameof(exposure), exposure, "Target exposure must be finite.");
        }

        LastPrice = price;
        var equity = Equity;
        if (equity <= 0)
        {
            exposure = 0;
        }

        var current = Exposure;
        if (exposure == 0 ? Units == 0 : Math.Sign(exposure) == Math.Sign(current) && Math.Abs(exposure - current) <= Options.RebalanceBand)
        {
            return 0;
        }

        var buying = exposure * equity / price > Units;
        var fill = buying ? price * (1 + _slippage) : price * (1 - _slippage);
        var target = exposure == 0 ? 0 : exposure * equity / (fill * (1 + _fee));
        var delta = target - Units;
        if (delta == 0)
        {
            return 0;
        }

        var fee = Math.Abs(delta) * fill * _fee;
        Cash -= (delta * fill) + fee;
        TotalFees += fee;
        var old = Units;
        if (old != 0 && Math.Sign(target) != Math.Sign(old))
        {
            // The old position closes (to flat or through to the other side): score it, then open what is left.
            var closingFee = fee * Math.Abs(old) / Math.Abs(delta);
            var pnl = _realized + (old * (fill - EntryPrice)) - EntryFee - closingFee;
            ClosedTrades++;
            if (pnl > 0)
            {
                Wins++;
            }
            else if (pnl < 0)
            {
                Scars++;
            }

            _realized = 0;
            EntryPrice = target == 0 ? 0 : fill;
            EntryFee = target == 0 ? 0 : fee - closingFee;
            Trades += target == 0 ? 0 : 1;
        }
        else if (old == 0)
        {
            EntryPrice = fill;
            EntryFee = fee;
            Trades++;
        }
        else if (Math.Abs(target) > Math.Abs(old))
        {
            EntryPrice = ((old * EntryPrice) + (delta * fill)) / target;
            EntryFee += fee;
        }
        else
        {
            _realized += -delta * (fill - EntryPrice);
            EntryFee += fee;
        }

        Units = target;
        return fee;
    }

    /// <summary>
    /// Charges one bar's borrow cost on a short position: its notional at <paramref name="price"/> × <paramref name="perBarRate"/>.
    /// Long and flat positions pay nothing. Returns the cost.
    /// </summary>
    public double AccrueBorrow(double perBarRate, double price)
    {
        if (Units >= 0 || perBarRate == 0)
        {
            return 0;
        }

        var cost = -Units * price * perBarRate;
        Cash -= cost;
        EntryFee += cost;
        TotalBorrowCost += cost;
        return cost;
    }

    /// <summary>Credits one bar's interest, at <paramref name="perBarRate"/>, on a positive cash balance.</summary>
    public void AccrueCash(double perBarRate)
    {
        if (Cash > 0)
        {
            Cash *= 1 + perBarRate;
        }
    }

    /// <summary>Values the account at <paramref name="price"/>; updates peak, drawdown and bankruptcy.</summary>
    public void MarkToMarket(double price)
    {
        if (!double.IsFinite(price) || price <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(price), price, "Mark price must be positive and finite.");
        }

        LastPrice = price;
        var equity = Equity;
        Peak = Math.Max(Peak, equity);
        Drawdown = Peak > 0 ? Math.Max(0, (Peak - equity) / Peak) : 1;
        MaxDrawdown = Math.Max(MaxDrawdown, Drawdown);
        if (equity <= Options.BankruptcyFraction * Options.InitialCapital)
        {
            Bankrupt = true;
        }
    }

    /// <summary>Unrealised PnL of the open position as a fraction of its entry price, clipped to [−1, 1]; 0 when flat.</summary>
    public double UnrealizedPnlFraction()
    {
        if (Units == 0)
        {
            return 0;
        }

        var fraction = Position * (LastPrice - EntryPrice) / EntryPrice;
        return Math.Clamp(fraction, -1, 1);
    }

    public AccountSnapshot Snapshot() => new(Equity, Drawdown, WinRate, Scars, Bankrupt);
}
