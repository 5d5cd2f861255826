# paper_search_call_for_papers_wikipedia_002: ML prediction of CRISPR-Cas9 off-target effects.
# 5 searches (5 each) -> arXiv/bioRxiv/medRxiv downloaded and read, Methods summarised (<= 150
# words); PubMed/Scholar abstracts summarised (<= 100 words) -> algorithm overlap across sources
# -> Wikipedia: search "CRISPR" -> get_sections -> "Off-target Effects" ->
# summarize_article_section(200) -> get_events("CRISPR off-target", 5) within the next 3 months.
# Today comes from the Time MCP tool.
p = tools.paper_search
w = tools.wikipedia
cfp = tools.call_for_papers

QUERY = "CRISPR Cas9 off-target prediction machine learning"
ALGORITHMS = [["deep learning", ["deep learning"]], ["convolutional neural network", ["convolutional"]],
              ["random forest", ["random forest"]], ["gradient boosting", ["gradient boost"]],
              ["support vector machine", ["support vector"]], ["logistic regression", ["logistic regression"]],
              ["transformer", ["transformer"]], ["transfer learning", ["transfer learning", "fine-tune", "fine-tuned"]],
              ["conformal prediction", ["conformal"]]]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def days(date):
    y = int(date[0:4])
    m = int(date[5:7])
    d = int(date[8:10])
    if m <= 2:
        y -= 1
        m += 12
    return 365 * y + y // 4 - y // 100 + y // 400 + (153 * (m - 3) + 2) // 5 + d


def iso(text):
    parts = text.replace(",", "").split()
    if len(parts) < 3 or parts[0] not in MONTHS:
        return ""
    month = MONTHS.index(parts[0]) + 1
    return parts[2] + "-" + ("0" if month < 10 else "") + str(month) + "-" + ("0" if len(parts[1]) < 2 else "") + parts[1]


def methods_text(text):
    lines = [line.strip() for line in text.split("\n") if line.strip() != ""]
    if "Methods" not in lines:
        return " ".join(text.split())
    body = []
    for line in lines[lines.index("Methods") + 1:]:
        if line in ["Results", "Conclusion"]:
            break
        body.append(line)
    return " ".join(body)


def cut(text, n):
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


def find_section(sections, wanted):
    for s in sections:
        if s["title"].lower() == wanted.lower():
            return s["title"]
        inner = find_section(s["sections"], wanted)
        if inner != "":
            return inner
    return ""


today = tools.time_mcp.get_current_time(timezone="UTC")["datetime"][:10]
searches = [["arxiv", p.search_arxiv], ["pubmed", p.search_pubmed], ["biorxiv", p.search_biorxiv],
            ["medrxiv", p.search_medrxiv], ["google_scholar", p.search_google_scholar]]
papers = []
by_source = {}
for source, search in searches:
    by_source[source] = []
    for x in search(query=QUERY, max_results=5):
        pid = x["paper_id"]
        if source in ["arxiv", "biorxiv", "medrxiv"]:
            if source == "arxiv":
                p.download_arxiv(paper_id=pid)
                text = p.read_arxiv_paper(paper_id=pid)
            elif source == "biorxiv":
                p.download_biorxiv(paper_id=pid)
                text = p.read_biorxiv_paper(paper_id=pid)
            else:
                p.download_medrxiv(paper_id=pid)
                text = p.read_medrxiv_paper(paper_id=pid)
            summary = cut(methods_text(text), 150)
            availability = "downloaded and read"
        else:
            summary = cut(x["abstract"], 100)
            availability = "abstract only"
        found = [name for name, patterns in ALGORITHMS if any(pat in summary.lower() for pat in patterns)]
        by_source[source] = by_source[source] + [a for a in found if a not in by_source[source]]
        papers.append({"title": x["title"], "source": source, "authors": x["authors"], "method_summary": summary,
                       "algorithms": found, "availability": availability})

counts = {}
for source in by_source:
    for algorithm in by_source[source]:
        counts[algorithm] = counts.get(algorithm, 0) + 1
common = [a for a, _ in ALGORITHMS if counts.get(a, 0) >= 2]
unique = [a for a, _ in ALGORITHMS if counts.get(a, 0) == 1]

wiki_title = w.search_wikipedia(query="CRISPR", limit=5)["results"][0]["title"]
section = find_section(w.get_sections(title=wiki_title)["sections"], "Off-target Effects")
wiki_summary = w.summarize_article_section(title=wiki_title, section_title="Off-target Effects", max_length=200)["summary"]

upcoming = []
for e in cfp.get_events(keywords="CRISPR off-target", limit=5)["events"]:
    start = iso(e["event_time"])
    deadline = iso(e["deadline"])
    topics = e["event_description"]
    upcoming.append({"name": e["event_name"], "dates": e["event_time"], "deadline": e["deadline"],
                     "starts_within_3_months": start != "" and 0 <= days(start) - days(today) <= 92,
                     "deadline_within_3_months": deadline != "" and 0 <= days(deadline) - days(today) <= 92,
                     "cfp_topics": [topics],
                     "mentions_ml_or_off_target_prediction": "machine learning" in topics.lower()
                     or "off-target prediction" in topics.lower()})

{
    "papers": papers,
    "cross_validation": {"common_algorithms": common, "unique_algorithms": unique},
    "wikipedia_article": wiki_title,
    "wikipedia_section": section,
    "wikipedia_off_target_summary": wiki_summary,
    "upcoming_conferences": upcoming,
}
