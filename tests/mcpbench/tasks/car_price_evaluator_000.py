# car_price_evaluator_000 (Car Price Evaluator): campaign report on truck brands with many
# models over R$ 100,000, car brands averaging under R$ 60,000, their overlap, and the
# overlapping brands' motorcycle offer.
#
# Chain: get_vehicles_by_type("caminhoes") -> search_car_price per truck brand ->
# get_vehicles_by_type("carros") -> search_car_price per car brand -> overlap ->
# [overlap] get_vehicles_by_type("motos") + search_car_price.
#
# What the tools allow (and so the rules used):
# - get_vehicles_by_type lists the first 15 brands of a type (the rest only as a count):
#   "every brand" means those 15; the totals are reported.
# - search_car_price searches FIPE's CAR table only and prices the first 3 models of the
#   first car brand whose name contains the query. A truck brand is therefore counted through
#   its namesake car brand (e.g. "CHEVROLET" -> "GM - Chevrolet"); a truck brand with no car
#   namesake counts 0 and is listed as not in the car table. Averages are over the priced
#   models shown (at most 3).
# - Top trucks: most models priced strictly above 100,000, ties in list order, brands with 0
#   left out. Low-cost cars: average strictly below 60,000.
# - Names match across types ignoring case and punctuation when one name's words include
#   the other's ("AGRALE" = "Agrale", "VOLKSWAGEN" = "VW - VolksWagen").
# - Motorcycle models cannot be priced with these tools: for each overlapping brand the report
#   says whether the brand is in the motorcycle list and repeats what search_car_price
#   returns for it (car models), labelled as such. Each brand is searched once.
#
# Expected output (offline data): trucks: 15 of 29 listed; HYUNDAI 3 (Azera, Creta, Elantra),
# FOTON 2, AGRALE 1 (CHEVROLET, DODGE, FIAT, FORD, JAC: 0); BEPOBUS, CICCOBUS, DAF, EFFA-JMC,
# GMC, IVECO and MAN have no car namesake. Cars: 15 of 39 listed; under 60,000: Agrale 59,320.00, Alfa Romeo 23,660.00,
# Asia Motors 13,353.33, EFFA 18,933.33. Overlap: Agrale, which is also a motorcycle brand
# (AGRALE, code 61).

p = tools.car_price_evaluator
truck_threshold = input.get("truck_price_threshold", 100000)
car_threshold = input.get("car_average_threshold", 60000)

def listed(text):
    # "**3. Name** (Code: 42)" lines of get_vehicles_by_type -> [[name, code]], total
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

def price_value(text):
    # "R$ 112.450,00" -> 112450.0
    digits = text.replace("R$", "").strip().replace(".", "").replace(",", ".")
    return float(digits)

def priced_models(text):
    # search_car_price text -> matched brand (None if not found), [{model, price}]
    if not text.startswith("🚗 **"):
        return None, []
    brand = text[len("🚗 **"):text.index(" Models & Prices**")]
    models = []
    current = None
    for line in text.split("\n"):
        if line.startswith("**") and line.endswith("**") and ". " in line and line[2:3].isdigit():
            current = line[2:-2].split(". ", 1)[1]
        elif "**Price:** " in line and current is not None:
            value = line[line.index("**Price:** ") + len("**Price:** "):]
            if value.startswith("R$"):
                models.append({"model": current, "price": price_value(value)})
            current = None
    return brand, models

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

searched = {}
def search(name):
    key = name.lower()
    if key not in searched:
        searched[key] = priced_models(p.search_car_price(brand_name=name))
    return searched[key]

# 1.-3. Trucks.
trucks, trucks_total = listed(p.get_vehicles_by_type(vehicle_type="caminhoes"))
truck_rows = []
not_in_car_table = []
for i, (name, code) in enumerate(trucks):
    matched, models = search(name)
    if matched is None:
        not_in_car_table.append(name)
        continue
    above = [m for m in models if m["price"] > truck_threshold]
    truck_rows.append({"order": i, "brand_name": name, "matched_car_brand": matched,
                       "models_above_100k_count": len(above), "models_priced": len(models)})
ranked = sorted([r for r in truck_rows if r["models_above_100k_count"] > 0],
                key=lambda r: (-r["models_above_100k_count"], r["order"]))
top_trucks = [{"brand_name": r["brand_name"], "matched_car_brand": r["matched_car_brand"],
               "models_above_100k_count": r["models_above_100k_count"], "models_priced": r["models_priced"]}
              for r in ranked[0:3]]

# 4.-6. Cars.
cars, cars_total = listed(p.get_vehicles_by_type(vehicle_type="carros"))
low_cost = []
for name, code in cars:
    matched, models = search(name)
    if not models:
        continue
    average = round(sum([m["price"] for m in models]) / len(models), 2)
    if average < car_threshold:
        low_cost.append({"brand_name": name, "average_price": average, "models_priced": len(models)})

# 7. Overlap.
overlap = []
for t in top_trucks:
    for c in low_cost:
        if same_brand(t["brand_name"], c["brand_name"]) and c["brand_name"] not in overlap:
            overlap.append(c["brand_name"])

# 8. Motorcycles for overlapping brands.
moto_models = {}
motos_total = None
if overlap:
    motos, motos_total = listed(p.get_vehicles_by_type(vehicle_type="motos"))
    for name in overlap:
        listed_as = [m for m in motos if same_brand(m[0], name)]
        matched, models = search(name)
        moto_models[name] = {
            "in_motorcycle_brand_list": len(listed_as) > 0,
            "motorcycle_brand": listed_as[0][0] if listed_as else None,
            "motorcycle_brand_code": listed_as[0][1] if listed_as else None,
            "search_car_price_catalogue": "carros",
            "search_car_price_brand": matched,
            "search_car_price_models": models,
        }

{
    "truck_brands_listed": len(trucks),
    "truck_brands_total": trucks_total,
    "top_truck_brands": top_trucks,
    "truck_brands_not_in_car_table": not_in_car_table,
    "car_brands_listed": len(cars),
    "car_brands_total": cars_total,
    "low_cost_car_brands": low_cost,
    "overlapping_brands": overlap,
    "motorcycle_brands_total": motos_total,
    "overlapping_motorcycle_models": moto_models,
    "note": "search_car_price prices only FIPE's car table (first 3 models per brand); motorcycle models and prices are not available from these tools",
}
