# call_for_papers_001 (Call for Papers): the first five upcoming renewable/sustainable-energy
# conferences in the next six months, refined by the hottest subtopic.
#
# Chain: get_events("renewable energy", 10) and get_events("sustainable energy", 10) -> keep
# events starting within 6 months -> most frequent title word -> if it is wind, solar or
# hydro: get_events("<word> energy", 5) -> merge unique events -> sort by start -> first 5.
#
# Rules (where the task leaves room):
# - An event's start is the first date of its `event_time` ("Dec 2, 2026 - Dec 4, 2026");
#   events without dates ("N/A") cannot be placed in time and are left out. "Within 6
#   months" means today <= start <= the same day six months later (Time MCP's date, UTC).
# - Title words come from the full names (`event_description`), lower-cased, split at
#   anything that is not a letter; stop words and the words every result shares or that
#   only name the kind of event (energy, renewable, sustainable, conference, international,
#   workshop, symposium, summit, forum, congress, series, webinar, global, advances) are
#   ignored. Ties go to the alphabetically first word.
# - The refinement's results get the same 6-month filter. Unique by name and dates.
#
# Expected output (offline data, Time MCP frozen at 2026-11-23T15:30:00Z): 8 renewable and 5
# sustainable events found, 5 + 4 start by 2027-05-23; "solar" leads with 4 titles, so
# "solar energy" is searched (5 results, adding CSPW, SOLCON and ASEC); the first five by start
# date: SEB (Dec 2), CSPW (Dec 8), RESG (Dec 14), SOLCON (Jan 11), ICSET (Jan 18).

searches = input.get("searches", ["renewable energy", "sustainable energy"])
limit = input.get("limit", 10)
refine_limit = input.get("refine_limit", 5)
months_ahead = input.get("months", 6)
top_n = input.get("top", 5)
cfp = tools.call_for_papers

months = {"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
          "Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
ignored = ["a", "an", "and", "at", "by", "for", "from", "in", "of", "on", "the", "to", "with",
           "energy", "renewable", "sustainable", "conference", "international", "workshop", "symposium",
           "summit", "forum", "congress", "series", "webinar", "global", "advances"]

def day_number(y, m, d):
    if m <= 2:
        y = y - 1
    era = y // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy

def parse_date(text):
    parts = text.replace(",", " ").split()
    if len(parts) < 3 or parts[0] not in months or not parts[1].isdigit() or not parts[2][0:4].isdigit():
        return None
    return [int(parts[2][0:4]), months[parts[0]], int(parts[1])]

now = tools.time_mcp.get_current_time(timezone="UTC")["datetime"]
y = int(now[0:4])
m = int(now[5:7])
d = int(now[8:10])
today = day_number(y, m, d)
end_month = m + months_ahead
end_year = y + (end_month - 1) // 12
end_month = (end_month - 1) % 12 + 1
horizon = day_number(end_year, end_month, min(d, 28 if end_month == 2 else 30 if end_month in [4, 6, 9, 11] else 31))

def upcoming(events):
    kept = []
    for e in events:
        start = parse_date(e["event_time"])
        if start is None:
            continue
        n = day_number(start[0], start[1], start[2])
        if today <= n and n <= horizon:
            kept.append({"event": e, "day": n, "start": f"{start[0]:04d}-{start[1]:02d}-{start[2]:02d}"})
    return kept

found = {}
pool = []
seen = []
def add(items):
    for item in items:
        key = item["event"]["event_name"] + "|" + item["event"]["event_time"]
        if key not in seen:
            seen.append(key)
            pool.append(item)

for keywords in searches:
    result = cfp.get_events(keywords=keywords, limit=limit)
    found[keywords] = result["count"]
    add(upcoming(result["events"]))
initial = len(pool)

counts = {}
for item in pool:
    title = item["event"]["event_description"].lower()
    word = ""
    words = []
    for ch in title + " ":
        if ch.isalpha():
            word = word + ch
        else:
            if word and word not in ignored and word not in words:
                words.append(word)
            word = ""
    for w in words:
        counts[w] = counts.get(w, 0) + 1
ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
top_word = ranked[0][0] if ranked else None

refinement = None
if top_word in ["wind", "solar", "hydro"]:
    keywords = top_word + " energy"
    result = cfp.get_events(keywords=keywords, limit=refine_limit)
    found[keywords] = result["count"]
    before = len(pool)
    add(upcoming(result["events"]))
    refinement = {"keywords": keywords, "new_events": len(pool) - before}

chosen = sorted(pool, key=lambda it: (it["day"], it["event"]["event_name"]))[0:top_n]
{
    "today": now[0:10],
    "events_found": found,
    "upcoming_after_initial_searches": initial,
    "top_subtopic": {"word": top_word, "titles": counts.get(top_word, 0) if top_word else 0},
    "word_counts": [[w, c] for w, c in ranked if c > 1],
    "refinement": refinement,
    "final_conferences": [
        {"name": it["event"]["event_description"], "acronym": it["event"]["event_name"],
         "start_date": "in " + str(it["day"] - today) + " days", "start": it["start"],
         "location": it["event"]["event_location"]}
        for it in chosen
    ],
}
