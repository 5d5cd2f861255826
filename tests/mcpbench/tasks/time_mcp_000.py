# time_mcp_000 (Time MCP): the best of three UTC call slots for New York, London and Tokyo.
# get_current_time validates each office's zone; convert_time(UTC -> zone) gives each slot's
# local start; an office can attend when 09:00 <= local start <= 17:00. Most offices wins,
# a tie goes to the earlier UTC slot.
#
# Expected output, for the Time MCP clock frozen at 2026-11-23T15:30:00Z (a Monday):
# - "today" in UTC is 2026-11-23. New York is on EST (UTC-5; DST ended 2026-11-01), London
#   on GMT (UTC+0; BST ended 2026-10-25), Tokyo on JST (UTC+9, no DST): no zone is in DST.
# - now: New York 10:30 (-05:00), London 15:30 (+00:00), Tokyo 00:30 on 11-24 (+09:00).
# - 09:00 UTC -> NY 04:00 (no), London 09:00 (yes), Tokyo 18:00 (no): 1 office
#   15:00 UTC -> NY 10:00 (yes), London 15:00 (yes), Tokyo 00:00 next day (no): 2 offices
#   20:00 UTC -> NY 15:00 (yes), London 20:00 (no), Tokyo 05:00 next day (no): 1 office
# - best: 15:00 UTC (2 offices), no tie.

offices = input.get("offices", [
    ["new_york", "America/New_York"],
    ["london", "Europe/London"],
    ["tokyo", "Asia/Tokyo"],
])
slots = input.get("utc_slots", ["09:00", "15:00", "20:00"])
opens = input.get("opens", "09:00")
closes = input.get("closes", "17:00")
t = tools.time_mcp

# 1. Validate the zones.
now = {}
bad = []
for office in offices:
    try:
        now[office[0]] = t.get_current_time(timezone=office[1])["datetime"]
    except Exception as e:
        bad.append(office[1] + ": " + str(e))

if bad:
    result = {"error": "misconfigured timezone", "details": bad}
else:
    # 2.-4. Convert every slot for every office and count who is in business hours.
    rows = []
    for slot in slots:
        row = {"utc_slot": slot}
        count = 0
        for office in offices:
            converted = t.convert_time(source_timezone="UTC", time=slot, target_timezone=office[1])
            local = converted["target"]["datetime"]
            hhmm = local[11:16]
            day_shift = ""
            if local[0:10] != converted["source"]["datetime"][0:10]:
                day_shift = " (next day)" if local[0:10] > converted["source"]["datetime"][0:10] else " (previous day)"
            row[office[0] + "_time"] = hhmm + day_shift
            if opens <= hhmm and hhmm <= closes:
                count += 1
        row["offices_within_business_hours"] = count
        rows.append(row)
    # 5. Most offices; on a tie the earlier slot (slots compare as "HH:MM" text).
    best = None
    for row in rows:
        if best is None:
            best = row
        elif row["offices_within_business_hours"] > best["offices_within_business_hours"]:
            best = row
        elif row["offices_within_business_hours"] == best["offices_within_business_hours"] and row["utc_slot"] < best["utc_slot"]:
            best = row
    for row in rows:
        row["recommendation"] = "yes" if row is best else "no"
    result = {"current_times": now, "slots": rows, "best_utc_slot": best["utc_slot"]}
result
