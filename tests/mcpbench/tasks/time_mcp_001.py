# time_mcp_001 (Time MCP): the next one-hour meeting inside 09:00-17:00 for Los Angeles,
# New York, London and Tokyo. From the next full hour in Los Angeles (moved into 09:00-17:00
# there), each Los Angeles start is converted to the other offices (convert_time); a slot
# fits when every office's local start is between 09:00 and 17:00 inclusive; otherwise the
# start moves one hour later, rolling over to 09:00 the next day after 17:00, for up to 7
# days. convert_time has no date parameter (it uses today in the source zone), so every day
# gives the same answers; the loop still walks the week as the task asks.
#
# Expected output, for the Time MCP clock frozen at 2026-11-23T15:30:00Z (a Monday):
# - Los Angeles is on PST (UTC-8), so now is 2026-11-23T07:30:00-08:00. The next full hour,
#   08:00, is before 09:00, so the first candidate is day 0 at 09:00.
# - On 2026-11-23 New York is UTC-5 (LA + 3 h), London UTC+0 (LA + 8 h), Tokyo UTC+9
#   (LA + 17 h). Tokyo is in hours only for LA starts 16:00-17:00 (Tokyo 09:00-10:00 the next
#   day), when London is at 00:00-01:00: no start fits all four offices.
# - Candidates: days 0-6 x 09:00..17:00 = 63 (day 7's 09:00 is after now + 7 days, 07:30),
#   189 convert_time calls; scheduling fails. The best partial slot is the first with most
#   offices in hours: LA 09:00 (New York 12:00, London 17:00 in; Tokyo 02:00 out), 3 of 4.

source = input.get("source", ["los_angeles", "America/Los_Angeles"])
others = input.get("offices", [
    ["new_york", "America/New_York"],
    ["london", "Europe/London"],
    ["tokyo", "Asia/Tokyo"],
])
open_hour = input.get("open_hour", 9)
close_hour = input.get("close_hour", 17)
days = input.get("days", 7)
t = tools.time_mcp


def hhmm(hour, minute):
    return ("0" + str(hour))[-2:] + ":" + ("0" + str(minute))[-2:]


def in_hours(text):
    return hhmm(open_hour, 0) <= text and text <= hhmm(close_hour, 0)


# 1.-2. Now in Los Angeles, and the first candidate start.
now = t.get_current_time(timezone=source[1])["datetime"]
now_minutes = int(now[11:13]) * 60 + int(now[14:16])
day = 0
hour = int(now[11:13]) + 1
if hour < open_hour:
    hour = open_hour
if hour > close_hour:
    day = 1
    hour = open_hour
limit = now_minutes + days * 24 * 60

found = None
best = None
checked = 0
first = None
last = None
while day * 1440 + hour * 60 < limit:
    start = hhmm(hour, 0)
    checked += 1
    if first is None:
        first = {"day": day, "start": start}
    last = {"day": day, "start": start}
    # 3.-4. Convert the start and check every office.
    slot = {source[0]: {"start": start, "end": hhmm((hour + 1) % 24, 0)}}
    outside = []
    for office in others:
        local = t.convert_time(source_timezone=source[1], time=start, target_timezone=office[1])["target"]["datetime"]
        local_start = local[11:16]
        slot[office[0]] = {"start": local_start, "end": hhmm((int(local_start[0:2]) + 1) % 24, int(local_start[3:5]))}
        if not in_hours(local_start):
            outside.append(office[0])
    inside = len(others) + 1 - len(outside)
    if best is None or inside > best["offices_in_hours"]:
        best = {"day": day, "slot": slot, "offices_in_hours": inside, "outside_hours": outside}
    if not outside:
        found = {"day": day, "slot": slot}
        break
    # 6. One hour later, or the next day at opening time.
    hour += 1
    if hour > close_hour:
        day += 1
        hour = open_hour

if found is not None:
    result = {"status": "scheduled", "day_offset": found["day"], "candidates_checked": checked}
    for name in found["slot"]:
        result["meeting_slot_" + name] = found["slot"][name]
else:
    result = {
        "status": "failed",
        "message": f"no one-hour slot within {hhmm(open_hour, 0)}-{hhmm(close_hour, 0)} fits every office in the next {days} days",
        "now_" + source[0]: now,
        "candidates_checked": checked,
        "first_candidate": first,
        "last_candidate": last,
        "best_partial": best,
    }
result
