# wikipedia_paper_search_001: CRISPR-Cas9 off-target effects, Wikipedia vs recent papers.
# search_wikipedia(5) -> get_article -> get_sections ("Off-target effects"?) ->
# summarize_article_for_query(250) -> extract_key_facts(5) -> 5 searches (5 each) -> sources with
# < 5 results supplemented from Scholar -> top 2 of arXiv/bioRxiv/medRxiv downloaded and read ->
# ~150-word methods summaries -> 3 methods the article does not mention -> update suggestions.
w = tools.wikipedia
p = tools.paper_search

QUERY = "CRISPR-Cas9 off-target effects"
# Detection and mitigation techniques looked for in the papers.
TECHNIQUES = ["GUIDE-seq", "CIRCLE-seq", "CHANGE-seq", "DISCOVER-seq", "amplicon sequencing", "long-read sequencing",
              "whole-genome sequencing", "high-fidelity", "ribonucleoprotein", "anti-CRISPR", "conformal prediction",
              "chromatin accessibility", "deep learning"]


def has_section(sections, wanted):
    for s in sections:
        if s["title"].lower() == wanted.lower() or has_section(s["sections"], wanted):
            return True
    return False


def section_text(text, heading):
    # The lines after a heading line of the extracted PDF text, up to the next known heading.
    lines = [line.strip() for line in text.split("\n") if line.strip() != ""]
    if heading not in lines:
        return ""
    body = []
    for line in lines[lines.index(heading) + 1:]:
        if line in ["Introduction", "Methods", "Results", "Conclusion"]:
            break
        body.append(line)
    return " ".join(body)


def first_words(text, n):
    words = text.split()
    return " ".join(words[:n]) + (" ..." if len(words) > n else "")


title = w.search_wikipedia(query="CRISPR-Cas9", limit=5)["results"][0]["title"]
article = w.get_article(title=title)
has_off_target = has_section(w.get_sections(title=title)["sections"], "Off-target effects")
wiki_summary = w.summarize_article_for_query(title=title, query="off-target effects", max_length=250)["summary"]
wiki_facts = w.extract_key_facts(title=title, topic_within_article="off-target effects", count=5)["facts"]

found = {
    "arxiv": p.search_arxiv(query=QUERY, max_results=5),
    "pubmed": p.search_pubmed(query=QUERY, max_results=5),
    "biorxiv": p.search_biorxiv(query=QUERY, max_results=5),
    "medrxiv": p.search_medrxiv(query=QUERY, max_results=5),
    "google_scholar": p.search_google_scholar(query=QUERY, max_results=5),
}
supplemented = []
metadata = {}
for source in ["arxiv", "pubmed", "biorxiv", "medrxiv", "google_scholar"]:
    papers = [{"paper_id": x["paper_id"], "title": x["title"], "published_date": x["published_date"][:10],
               "source": x["source"]} for x in found[source]]
    if len(papers) < 5:
        supplemented.append(source)
        titles = [x["title"].lower() for x in papers]
        for extra in found["google_scholar"]:
            if len(papers) < 5 and extra["title"].lower() not in titles:
                papers.append({"paper_id": extra["paper_id"], "title": extra["title"],
                               "published_date": extra["published_date"][:10], "source": "google_scholar"})
                titles.append(extra["title"].lower())
    metadata[source] = papers

summaries = []
texts = []
for source in ["arxiv", "biorxiv", "medrxiv"]:
    for paper in found[source][:2]:
        pid = paper["paper_id"]
        if source == "arxiv":
            p.download_arxiv(paper_id=pid)
            text = p.read_arxiv_paper(paper_id=pid)
        elif source == "biorxiv":
            p.download_biorxiv(paper_id=pid)
            text = p.read_biorxiv_paper(paper_id=pid)
        else:
            p.download_medrxiv(paper_id=pid)
            text = p.read_medrxiv_paper(paper_id=pid)
        texts.append([paper["title"], " ".join(text.split())])
        summaries.append({"source": source, "paper_id": pid, "title": paper["title"],
                          "methods_summary": first_words(section_text(text, "Methods"), 150)})

# Novel: a technique named in a paper and absent from the whole Wikipedia article
# (case-insensitive); the first such technique of each paper, in paper order, up to three.
known = article["text"].lower()
novel = []
for paper_title, text in texts:
    hits = []
    for technique in TECHNIQUES:
        at = text.lower().find(technique.lower())
        taken = technique in [n["method"] for n in novel]
        if at >= 0 and technique.lower() not in known and not taken:
            hits.append([at, technique])
    if len(hits) > 0 and len(novel) < 3:
        novel.append({"method": sorted(hits)[0][1], "found_in": paper_title})

recommendation = "Extend the '" + ("Off-target effects" if has_off_target else "Mechanism") + "' section of '" + title + \
    "' with: " + "; ".join([n["method"] + " (see " + n["found_in"] + ")" for n in novel]) + "."

{
    "wikipedia_title": title,
    "off_target_section_present": has_off_target,
    "wikipedia_summary": wiki_summary,
    "wikipedia_key_facts": wiki_facts,
    "supplemented_from_scholar": supplemented,
    "paper_metadata": metadata,
    "methods_summaries": summaries,
    "novel_methods": novel,
    "update_recommendations": recommendation,
}
