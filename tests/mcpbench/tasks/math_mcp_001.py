# math_mcp_001 (Math MCP): six months of unit sales, descriptive statistics and a target.
# sum, mean, median, mode, max, min; ratio = max / min; skewness = mean - median: if > 0,
# ceiling(skewness), else floor(|skewness|) (|x| via multiply by -1). Target = 180 units x 7
# months; additional units next month = target - total so far, then rounded.
# The sales figures and the target are the task's own; `input` may replace them.

sales = input.get("sales", [120, 150, 130, 170, 150, 160])
monthly_target = input.get("monthly_target", 180)
months = input.get("target_months", 7)
m = tools.math_mcp

total = m.sum(numbers=sales)
average = m.mean(numbers=sales)
median = m.median(numbers=sales)
mode_text = m.mode(numbers=sales)
highest = m.max(numbers=sales)
lowest = m.min(numbers=sales)
ratio = m.division(numerator=highest, denominator=lowest)
skewness = m.subtract(minuend=average, subtrahend=median)
if skewness > 0:
    adjusted = m.ceiling(number=skewness)
    rule = "skewness > 0: ceiling(skewness)"
else:
    adjusted = m.floor(number=m.multiply(firstNumber=skewness, SecondNumber=-1))
    rule = "skewness <= 0: floor(|skewness|)"
target_total = m.multiply(firstNumber=monthly_target, SecondNumber=months)
additional = m.subtract(minuend=target_total, subtrahend=total)
additional_rounded = m.round(number=additional)

inside = mode_text.split("(")[1].split(")")[0]
{
    "total_sales": total,
    "average_sales": round(average, 6),
    "median_sales": median,
    "mode_sales": [float(v) for v in inside.split(", ")] if inside else [],
    "mode_text": mode_text,
    "max_sales": highest,
    "min_sales": lowest,
    "max_to_min_ratio": round(ratio, 6),
    "skewness": round(skewness, 6),
    "skewness_rule": rule,
    "adjusted_skewness": adjusted,
    "target_total_7_months": target_total,
    "additional_needed_next_month_exact": additional,
    "additional_needed_next_month_rounded": additional_rounded,
}
