# math_mcp_000 (Math MCP): farm-yield statistics, revenue, profit and a fertiliser budget.
# Every figure comes from a Math MCP call: sum, mean, median, mode, min, max; range =
# max - min; revenue = total x price; fixed cost = farms x cost per farm; profit = revenue -
# fixed cost; margin = profit / revenue, x 100, rounded. Deviation = max - mean: above 30 t
# the budget is ceiling(deviation x $10/t), else floor($500).
# The yields and prices are the task's own; `input` may replace them.

yields = input.get("yields", [120, 150, 150, 200, 180, 170, 160, 140, 130, 155])
price_per_ton = input.get("price_per_ton", 30)
cost_per_farm = input.get("fixed_cost_per_farm", 2000)
deviation_limit = input.get("deviation_limit", 30)
fertilizer_per_ton = input.get("fertilizer_per_ton", 10)
fertilizer_allowance = input.get("fertilizer_allowance", 500)
m = tools.math_mcp

total = m.sum(numbers=yields)
average = m.mean(numbers=yields)
median = m.median(numbers=yields)
mode_text = m.mode(numbers=yields)
lowest = m.min(numbers=yields)
highest = m.max(numbers=yields)
spread = m.subtract(minuend=highest, subtrahend=lowest)

revenue = m.multiply(firstNumber=total, SecondNumber=price_per_ton)
fixed_cost = m.multiply(firstNumber=len(yields), SecondNumber=cost_per_farm)
profit = m.subtract(minuend=revenue, subtrahend=fixed_cost)
ratio = m.division(numerator=profit, denominator=revenue)
margin_percent = m.round(number=m.multiply(firstNumber=ratio, SecondNumber=100))

deviation = m.subtract(minuend=highest, subtrahend=average)
if deviation > deviation_limit:
    budget = m.ceiling(number=m.multiply(firstNumber=deviation, SecondNumber=fertilizer_per_ton))
    branch = f"deviation {deviation} t > {deviation_limit} t: ceiling(deviation x {fertilizer_per_ton})"
else:
    budget = m.floor(number=fertilizer_allowance)
    branch = f"deviation {deviation} t <= {deviation_limit} t: floor({fertilizer_allowance})"

# "Entries (150) appeared 2 times" -> [150.0], 2
inside = mode_text.split("(")[1].split(")")[0]
mode_values = [float(v) for v in inside.split(", ")] if inside else []
mode_count = int(mode_text.split("appeared ")[1].split(" ")[0])

{
    "total_yield": total,
    "average_yield": average,
    "median_yield": median,
    "mode_yield": mode_values,
    "mode_frequency": mode_count,
    "min_yield": lowest,
    "max_yield": highest,
    "yield_range": spread,
    "total_revenue": revenue,
    "total_fixed_cost": fixed_cost,
    "net_profit": profit,
    "profit_margin_ratio": round(ratio, 6),
    "profit_margin_percent": margin_percent,
    "deviation": deviation,
    "fertilizer_branch": branch,
    "fertilizer_budget": budget,
}
