# call_for_papers_000 (Call for Papers): European AI and data-privacy conferences whose
# submission deadline falls within the next 7 days, classified by urgency.
#
# Chain: get_events("Artificial Intelligence Europe", 10) and get_events("Data Privacy Europe",
# 10) -> keep deadlines 0-7 days from today -> merge -> urgency -> sort.
#
# Rules (where the task leaves room):
# - The tool's `deadline` is the submission deadline (an abstract deadline in parentheses
#   after it is ignored); its `event_location` up to the first comma is the city.
# - days_left = deadline date - today's date (Time MCP, UTC); 0 is today. Urgent: 0 or 1 day
#   (closes today or tomorrow, i.e. within about 24 hours); Normal: 2-7 days. Past deadlines
#   and later ones are left out.
# - An event found by both searches is listed once, with topic "AI + Data Privacy".
# - Sorted by days_left, then conference name.
#
# Expected output (offline data, Time MCP frozen at 2026-11-23T15:30:00Z): 10 AI and 6
# privacy events found; 9 close within 7 days: ESSAI (today), EUAIS and EuroPET (tomorrow)
# are urgent; EDPC, AIETH-EU, EAIH, DPAI-EU (both topics), EuroDPL and ESAIR (7 days) are
# normal. EXTAI and EDPS-W (deadlines passed), AIEU (8 days) and the rest fall outside.

searches = input.get("searches", [["Artificial Intelligence Europe", "AI"], ["Data Privacy Europe", "Data Privacy"]])
limit = input.get("limit", 10)
window = input.get("days", 7)
cfp = tools.call_for_papers

months = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
          "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}

def day_number(y, m, d):
    if m <= 2:
        y = y - 1
    era = y // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy

def parse_date(text):
    # "Nov 27, 2026" (anything after the year is ignored) -> [y, m, d], or None.
    parts = text.replace(",", " ").split()
    if len(parts) < 3 or parts[0] not in months:
        return None
    if not parts[1].isdigit() or not parts[2][0:4].isdigit():
        return None
    return [int(parts[2][0:4]), months[parts[0]], int(parts[1])]

now = tools.time_mcp.get_current_time(timezone="UTC")["datetime"]
today = day_number(int(now[0:4]), int(now[5:7]), int(now[8:10]))

found = {}
rows = {}
order = []
for search in searches:
    result = cfp.get_events(keywords=search[0], limit=limit)
    found[search[0]] = result["count"]
    for e in result["events"]:
        ymd = parse_date(e["deadline"])
        if ymd is None:
            continue
        left = day_number(ymd[0], ymd[1], ymd[2]) - today
        if left < 0 or left > window:
            continue
        key = e["event_name"] + "|" + e["event_time"]
        if key in rows:
            if search[1] not in rows[key]["topic"]:
                rows[key]["topic"] = rows[key]["topic"] + " + " + search[1]
            continue
        order.append(key)
        rows[key] = {
            "conference_name": e["event_name"],
            "full_name": e["event_description"],
            "location_city": e["event_location"].split(",")[0].strip(),
            "submission_deadline": f"{ymd[0]:04d}-{ymd[1]:02d}-{ymd[2]:02d}",
            "days_left": left,
            "topic": search[1],
            "urgency": "Urgent" if left <= 1 else "Normal",
        }

table = sorted([rows[k] for k in order], key=lambda r: (r["days_left"], r["conference_name"]))
{
    "today": now[0:10],
    "events_found": found,
    "deadlines_within_days": window,
    "urgent_count": len([r for r in table if r["urgency"] == "Urgent"]),
    "conferences": table,
}
