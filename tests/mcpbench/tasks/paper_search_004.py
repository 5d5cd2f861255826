# paper_search_004: machine learning for protein folding, AlphaFold mentions.
# 5 searches (5 each) -> re-search "deep learning protein folding" where < 3 -> top 3 of arXiv,
# bioRxiv, medRxiv downloaded and read -> count "AlphaFold" -> Scholar title check (1 result)
# for PubMed and Scholar papers -> table of unique papers -> no mention at all ? repeat the count
# with "RoseTTAFold" -> sorted by count.
p = tools.paper_search

SEARCHES = [["arxiv", p.search_arxiv], ["biorxiv", p.search_biorxiv], ["medrxiv", p.search_medrxiv],
            ["pubmed", p.search_pubmed], ["google_scholar", p.search_google_scholar]]


def key(title):
    return " ".join(title.lower().split())


def read(source, paper_id):
    if source == "arxiv":
        p.download_arxiv(paper_id=paper_id)
        return p.read_arxiv_paper(paper_id=paper_id)
    if source == "biorxiv":
        p.download_biorxiv(paper_id=paper_id)
        return p.read_biorxiv_paper(paper_id=paper_id)
    p.download_medrxiv(paper_id=paper_id)
    return p.read_medrxiv_paper(paper_id=paper_id)


results = {}
requeried = []
for name, search in SEARCHES:
    found = search(query="machine learning protein folding", max_results=5)
    if len(found) < 3:
        requeried.append(name)
        ids = [f["paper_id"] for f in found]
        found = found + [f for f in search(query="deep learning protein folding", max_results=5) if f["paper_id"] not in ids]
    results[name] = found

# Unique papers by title, with every server that returned them.
table = []
for name, search in SEARCHES:
    for paper in results[name]:
        rows = [row for row in table if row["key"] == key(paper["title"])]
        if len(rows) > 0:
            if name not in rows[0]["source_servers"]:
                rows[0]["source_servers"].append(name)
        else:
            table.append({"key": key(paper["title"]), "paper_id": paper["paper_id"], "title": paper["title"],
                          "source_servers": [name], "text": "", "abstract": paper["abstract"]})

for name in ["arxiv", "biorxiv", "medrxiv"]:
    for paper in results[name][:3]:
        text = read(name, paper["paper_id"])
        for row in table:
            if row["key"] == key(paper["title"]):
                row["text"] = text

# Cross-check PubMed and Scholar papers by an exact-title Scholar search.
checks = []
for name in ["pubmed", "google_scholar"]:
    for paper in results[name]:
        hit = p.search_google_scholar(query=paper["title"], max_results=1)
        confirmed = len(hit) == 1 and key(hit[0]["title"]) == key(paper["title"])
        checks.append({"source": name, "paper_id": paper["paper_id"], "confirmed": confirmed})
        if confirmed:
            for row in table:
                if row["key"] == key(paper["title"]) and "google_scholar" not in row["source_servers"]:
                    row["source_servers"].append("google_scholar")

keyword = "AlphaFold"
if sum([row["text"].lower().count("alphafold") for row in table]) == 0:
    keyword = "RoseTTAFold"

report = []
for row in table:
    if row["text"] != "":
        summary = " ".join(row["text"][:200].split())
    else:
        summary = " ".join(row["abstract"][:200].split())
    report.append({"paper_id": row["paper_id"], "title": row["title"], "source_servers": row["source_servers"],
                   "mention_keyword": keyword, "mention_count": row["text"].lower().count(keyword.lower()),
                   "full_text": row["text"] != "", "summary": summary})
report = sorted(report, key=lambda r: (-r["mention_count"], r["title"]))

{"requeried_servers": requeried, "scholar_title_checks": checks, "papers": report}
