# paper_search_call_for_papers_wikipedia_000: ML for real-time pandemic outbreak detection.
# arXiv, PubMed, bioRxiv, medRxiv (5 each; preprints limited to the last 3 months) -> PubMed < 3 ?
# Google Scholar -> download and read every preprint -> ~150-word summaries (Methods) -> up to 5
# method names -> Wikipedia get_summary each -> get_events("<method> epidemiology", 5).
# Today comes from the Time MCP tool.
p = tools.paper_search
w = tools.wikipedia
cfp = tools.call_for_papers

QUERY = "machine learning pandemic detection"
# Method names as found in texts, with the Wikipedia article defining each.
METHODS = [["Graph Neural Network", ["graph neural network"], "Graph neural network"],
           ["Transformer", ["transformer"], "Transformer (deep learning architecture)"],
           ["LSTM", ["lstm", "long short-term memory"], "Long short-term memory"],
           ["Gradient Boosting", ["gradient boost"], "Gradient boosting"],
           ["Random Forest", ["random forest"], "Random forest"]]
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
    # "Mar 8, 2027" -> "2027-03-08"; "" when it is not such a date.
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


today = tools.time_mcp.get_current_time(timezone="UTC")["datetime"][:10]
found = {"arxiv": p.search_arxiv(query=QUERY, max_results=5), "pubmed": p.search_pubmed(query=QUERY, max_results=5),
         "biorxiv": p.search_biorxiv(query=QUERY, max_results=5), "medrxiv": p.search_medrxiv(query=QUERY, max_results=5)}
# The last 3 months (92 days); PubMed and Scholar give only a year, so they are kept as found.
for source in ["arxiv", "biorxiv", "medrxiv"]:
    found[source] = [x for x in found[source] if days(today) - days(x["published_date"][:10]) <= 92]
scholar_used = len(found["pubmed"]) < 3
if scholar_used:
    found["google_scholar"] = p.search_google_scholar(query=QUERY, max_results=5)

papers = []
for source in ["arxiv", "pubmed", "biorxiv", "medrxiv", "google_scholar"]:
    for x in found.get(source, []):
        papers.append({"source": source, "title": x["title"], "authors": x["authors"], "id": x["paper_id"],
                       "url": x["url"]})

summaries = {}
methods = []
for source in ["arxiv", "biorxiv", "medrxiv"]:
    for x in found[source]:
        pid = x["paper_id"]
        if source == "arxiv":
            p.download_arxiv(paper_id=pid, save_path="./downloads")
            text = p.read_arxiv_paper(paper_id=pid, save_path="./downloads")
        elif source == "biorxiv":
            p.download_biorxiv(paper_id=pid, save_path="./downloads")
            text = p.read_biorxiv_paper(paper_id=pid, save_path="./downloads")
        else:
            p.download_medrxiv(paper_id=pid, save_path="./downloads")
            text = p.read_medrxiv_paper(paper_id=pid, save_path="./downloads")
        words = methods_text(text).split()
        summary = " ".join(words[:150])
        summaries[pid] = summary
        best = ""
        best_at = -1
        for name, patterns, article in METHODS:
            for pattern in patterns:
                at = summary.lower().find(pattern)
                if at >= 0 and (best_at < 0 or at < best_at):
                    best = name
                    best_at = at
        if best != "" and best not in methods and len(methods) < 5:
            methods.append(best)

definitions = {}
conferences = {}
for name in methods:
    article = [m[2] for m in METHODS if m[0] == name][0]
    lead = w.get_summary(title=article)["summary"]
    definitions[name] = lead.split(". ")[0].rstrip(".") + "."
    events = cfp.get_events(keywords=name + " epidemiology", limit=5)["events"]
    listed = []
    for e in events:
        start = iso(e["event_time"])
        deadline = iso(e["deadline"])
        listed.append({"event_name": e["event_name"], "event_time": e["event_time"], "deadline": e["deadline"],
                       "starts_in_7_to_30_days": start != "" and 7 <= days(start) - days(today) <= 30,
                       "deadline_in_7_to_30_days": deadline != "" and 7 <= days(deadline) - days(today) <= 30})
    conferences[name] = listed

{"scholar_used": scholar_used, "papers": papers, "summaries": summaries, "methods": methods,
 "definitions": definitions, "conferences": conferences}
