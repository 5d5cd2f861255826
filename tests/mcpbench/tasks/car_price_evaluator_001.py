# car_price_evaluator_001 (Car Price Evaluator): price segments of the FIPE car brands, with
# brand code and cross-type presence for the high segment.
#
# Chain: get_vehicles_by_type("carros") -> search_car_price per brand -> segment (low < 40,000,
# mid 40,000-79,999.99, high >= 80,000 BRL) -> for high brands: get_car_brands (code) and
# get_vehicles_by_type("motos") / ("caminhoes") (presence).
#
# What the tools allow (and so the rules used):
# - get_vehicles_by_type lists the first 15 car brands (FIPE's order) and the total: those
#   15 are segmented and the report says how many of the total that covers.
# - A brand's average is over the models search_car_price prices (its first 3).
# - get_car_brands shows at most 5 brands per letter (20 in all), so a brand can be missing
#   there (ASTON MARTIN and Audi are the 6th and 7th "A"); its code is then taken from the
#   get_vehicles_by_type line, and code_source says which list gave it.
# - Presence in motorcycles/trucks is checked against the brands those lists show (15 each),
#   names matching ignoring case and punctuation when one name's words include the other's.
#
# Expected output (offline data): 15 of 39 brands; low: Alfa Romeo, Asia Motors, EFFA; mid:
# Acura, Agrale, Cadillac, Chrysler, Citroën (79,030.00); high: AM Gen, ASTON MARTIN, Audi,
# BMW, BYD, CAOA Chery, Dodge. Codes from get_car_brands for AM Gen (4), BMW (7), BYD (238),
# CAOA Chery (161), Dodge (16); from get_vehicles_by_type for ASTON MARTIN (189), Audi (6).
# Diversified: BMW (motorcycles) and Dodge (trucks: DODGE).

p = tools.car_price_evaluator
low_below = input.get("low_below", 40000)
high_from = input.get("high_from", 80000)

def listed(text):
    brands = []
    total = 0
    for line in text.split("\n"):
        if line.startswith("**") and "** (Code: " in line:
            head = line[2:line.index("** (Code: ")]
            code = line[line.index("(Code: ") + 7:line.rindex(")")]
            brands.append([head.split(". ", 1)[1], code])
        elif line.startswith("**Total Brands:** "):
            total = int(line[len("**Total Brands:** "):].strip())
    return brands, total

def grouped(text):
    # get_car_brands: "  • Name (Code: 7)" lines -> [[name, code]], total
    brands = []
    total = 0
    for line in text.split("\n"):
        if line.startswith("  • ") and " (Code: " in line:
            brands.append([line[4:line.rindex(" (Code: ")], line[line.rindex(" (Code: ") + 8:line.rindex(")")]])
        elif line.startswith("*Total: "):
            total = int(line[len("*Total: "):].split(" ")[0])
    return brands, total

def prices(text):
    out = []
    if not text.startswith("🚗 **"):
        return out
    for line in text.split("\n"):
        if "**Price:** R$" in line:
            value = line[line.index("R$") + 2:].strip().replace(".", "").replace(",", ".")
            out.append(float(value))
    return out

def words(name):
    out = []
    word = ""
    for ch in name.lower() + " ":
        if ch.isalnum():
            word = word + ch
        else:
            if word:
                out.append(word)
            word = ""
    return out

def same_brand(a, b):
    wa = words(a)
    wb = words(b)
    if not wa or not wb:
        return False
    return all(w in wb for w in wa) or all(w in wa for w in wb)

cars, total = listed(p.get_vehicles_by_type(vehicle_type="carros"))
rows = []
for name, code in cars:
    values = prices(p.search_car_price(brand_name=name))
    if not values:
        rows.append({"brand_name": name, "average_price": None, "segment": "unpriced", "models_priced": 0})
        continue
    average = round(sum(values) / len(values), 2)
    segment = "low" if average < low_below else ("high" if average >= high_from else "mid")
    rows.append({"brand_name": name, "average_price": average, "segment": segment, "models_priced": len(values),
                 "listed_code": code})

high = [r for r in rows if r["segment"] == "high"]
if high:
    codes, codes_total = grouped(p.get_car_brands())
    motos, motos_total = listed(p.get_vehicles_by_type(vehicle_type="motos"))
    trucks, trucks_total = listed(p.get_vehicles_by_type(vehicle_type="caminhoes"))
    for r in high:
        found = [c for c in codes if c[0].lower() == r["brand_name"].lower()]
        if found:
            r["brand_code"] = found[0][1]
            r["code_source"] = "get_car_brands"
        else:
            r["brand_code"] = r["listed_code"]
            r["code_source"] = "get_vehicles_by_type (not among the brands get_car_brands shows)"
        in_motos = [m[0] for m in motos if same_brand(m[0], r["brand_name"])]
        in_trucks = [t[0] for t in trucks if same_brand(t[0], r["brand_name"])]
        r["diversified_across_types"] = len(in_motos) > 0 or len(in_trucks) > 0
        r["also_listed_as"] = [["motos", n] for n in in_motos] + [["caminhoes", n] for n in in_trucks]
for r in rows:
    r.pop("listed_code", None)

{
    "brands_covered": len(rows),
    "brands_total": total,
    "segments": {
        "low": [r["brand_name"] for r in rows if r["segment"] == "low"],
        "mid": [r["brand_name"] for r in rows if r["segment"] == "mid"],
        "high": [r["brand_name"] for r in rows if r["segment"] == "high"],
    },
    "brands": rows,
}
