// call_for_papers_000 (Call for Papers), in JavaScript: the same task, rules and expected
// output as call_for_papers_000.py (see there): European AI and data-privacy calls whose
// submission deadline is 0-7 days away, Urgent at 0-1 day, merged and sorted.

const searches = input.searches ?? [["Artificial Intelligence Europe", "AI"], ["Data Privacy Europe", "Data Privacy"]];
const limit = input.limit ?? 10;
const windowDays = input.days ?? 7;
const cfp = tools.call_for_papers;

const MONTHS = { Jan: 1, Feb: 2, Mar: 3, Apr: 4, May: 5, Jun: 6, Jul: 7, Aug: 8, Sep: 9, Oct: 10, Nov: 11, Dec: 12 };

function dayNumber(y, m, d) {
  if (m <= 2) y -= 1;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = m > 2 ? m - 3 : m + 9;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + Math.floor((153 * mp + 2) / 5) + d - 1;
}

// "Nov 27, 2026 (Nov 20, 2026)" -> [2026, 11, 27] (the first date), or null.
function parseDate(text) {
  const parts = text.replace(/,/g, " ").split(/\s+/).filter((p) => p !== "");
  if (parts.length < 3 || !(parts[0] in MONTHS) || !/^\d+$/.test(parts[1]) || !/^\d{4}/.test(parts[2])) return null;
  return [Number(parts[2].slice(0, 4)), MONTHS[parts[0]], Number(parts[1])];
}

const pad = (n, width) => String(n).padStart(width, "0");
const now = tools.time_mcp.get_current_time({ timezone: "UTC" }).datetime;
const today = dayNumber(Number(now.slice(0, 4)), Number(now.slice(5, 7)), Number(now.slice(8, 10)));

const found = {};
const rows = new Map();
for (const [keywords, topic] of searches) {
  const result = cfp.get_events({ keywords, limit });
  found[keywords] = result.count;
  for (const e of result.events) {
    const ymd = parseDate(e.deadline);
    if (ymd === null) continue;
    const left = dayNumber(...ymd) - today;
    if (left < 0 || left > windowDays) continue;
    const key = `${e.event_name}|${e.event_time}`;
    const seen = rows.get(key);
    if (seen) {
      if (!seen.topic.includes(topic)) seen.topic += ` + ${topic}`;
      continue;
    }
    rows.set(key, {
      conference_name: e.event_name,
      full_name: e.event_description,
      location_city: e.event_location.split(",")[0].trim(),
      submission_deadline: `${pad(ymd[0], 4)}-${pad(ymd[1], 2)}-${pad(ymd[2], 2)}`,
      days_left: left,
      topic,
      urgency: left <= 1 ? "Urgent" : "Normal",
    });
  }
}

// Sort like Python (code-point order of names), not by locale.
const table = [...rows.values()].sort((a, b) =>
  a.days_left - b.days_left || (a.conference_name < b.conference_name ? -1 : a.conference_name > b.conference_name ? 1 : 0));
return {
  today: now.slice(0, 10),
  events_found: found,
  deadlines_within_days: windowDays,
  urgent_count: table.filter((r) => r.urgency === "Urgent").length,
  conferences: table,
};
