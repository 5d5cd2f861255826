# paper_search_002: deep learning in genomics/proteomics across five sources.
# 5 searches (10 each) -> re-query "machine learning bioinformatics" for each source with < 5
# titles containing "genomic"/"proteomic" -> merge, dedupe by title, 8 most recent ->
# download/read (arXiv, bioRxiv, medRxiv), abstract (PubMed: download_pubmed first; Scholar)
# -> algorithm, dataset, metric, conclusion -> algorithm seen on >= 2 servers or "singleton".
p = tools.paper_search

ALGORITHMS = [["Graph Neural Network", ["graph neural network"]], ["Transformer", ["transformer"]],
              ["LSTM", ["lstm", "long short-term memory"]], ["RNN", ["recurrent neural network"]],
              ["CNN", ["convolutional"]], ["Autoencoder", ["autoencoder"]], ["MLP", ["multilayer perceptron"]],
              ["Random Forest", ["random forest"]], ["Gradient Boosting", ["gradient boost"]]]
DATASETS = ["ENCODE", "TCGA", "CPTAC", "ProteomeTools", "PRIDE", "ProteinGym", "GIAB", "GTEx", "UK Biobank",
            "Human Cell Atlas", "RefSeq", "PATRIC", "NCBI Pathogen Detection"]
METRICS = ["AUROC", "accuracy", "F1 score", "Pearson correlation", "Spearman correlation", "adjusted Rand index"]
SEARCHES = [["arxiv", p.search_arxiv], ["biorxiv", p.search_biorxiv], ["medrxiv", p.search_medrxiv],
            ["pubmed", p.search_pubmed], ["google_scholar", p.search_google_scholar]]


def on_topic(paper):
    title = paper["title"].lower()
    return "genomic" in title or "proteomic" in title


def earliest(text, names, fold):
    # The label (of [label, [patterns]]) whose pattern occurs first in text (case-folded or not).
    best = ""
    best_at = -1
    haystack = text.lower() if fold else text
    for label, patterns in names:
        for pattern in patterns:
            at = haystack.find(pattern)
            if at >= 0 and (best_at < 0 or at < best_at):
                best = label
                best_at = at
    return best


def metric(text):
    best = "not reported"
    best_at = -1
    for name in METRICS:
        at = text.find(name + " of ")
        if at >= 0 and (best_at < 0 or at < best_at):
            rest = text[at + len(name) + 4:].split(" ")
            value = rest[0].rstrip(".,;")
            if len(rest) > 1 and rest[1].rstrip(".,;") == "percent":
                value = value + " percent"
            best = name + " of " + value
            best_at = at
    return best


def conclusion(text, full):
    if full:
        lines = [line.strip() for line in text.split("\n") if line.strip() != ""]
        if "Conclusion" in lines:
            body = " ".join(lines[lines.index("Conclusion") + 1:])
            return body.split(". ")[0].rstrip(".") + "."
    sentences = [s for s in " ".join(text.split()).split(". ") if s != ""]
    return sentences[-1].rstrip(".") + "." if len(sentences) > 0 else ""


merged = []
seen = []
requeried = []
for name, search in SEARCHES:
    results = search(query="deep learning genomics proteomics", max_results=10)
    if len([r for r in results if on_topic(r)]) < 5:
        requeried.append(name)
        results = results + search(query="machine learning bioinformatics", max_results=10)
    for r in results:
        if r["title"].lower() not in seen:
            seen.append(r["title"].lower())
            merged.append([name, r])

recent = sorted(merged, key=lambda item: item[1]["published_date"], reverse=True)[:8]

rows = []
for name, paper in recent:
    full = False
    if name == "arxiv":
        p.download_arxiv(paper_id=paper["paper_id"])
        text = p.read_arxiv_paper(paper_id=paper["paper_id"])
        full = True
    elif name == "biorxiv":
        p.download_biorxiv(paper_id=paper["paper_id"])
        text = p.read_biorxiv_paper(paper_id=paper["paper_id"])
        full = True
    elif name == "medrxiv":
        p.download_medrxiv(paper_id=paper["paper_id"])
        text = p.read_medrxiv_paper(paper_id=paper["paper_id"])
        full = True
    elif name == "pubmed":
        p.download_pubmed(paper_id=paper["paper_id"])
        text = paper["abstract"]
    else:
        text = paper["abstract"] if paper["abstract"] != "" else "Abstract unavailable"
    flat = " ".join(text.split())
    found = earliest(flat, [[d, [d]] for d in DATASETS], False)
    rows.append({"server": name, "title": paper["title"], "authors": paper["authors"],
                 "publication_date": paper["published_date"][:10],
                 "algorithm_type": earliest(flat, ALGORITHMS, True) or "not identified",
                 "dataset": found if found != "" else "not specified",
                 "primary_performance_metric": metric(flat), "main_conclusion": conclusion(text, full),
                 "text_source": "full text" if full else "abstract"})

for row in rows:
    servers = sorted(set([r["server"] for r in rows if r["algorithm_type"] == row["algorithm_type"]]))
    if len(servers) >= 2:
        row["validation_status"] = "validated on " + ", ".join(servers)
    else:
        row["validation_status"] = "singleton algorithm"

{"requeried_servers": requeried, "papers": rows}
