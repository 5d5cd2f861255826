// paper_search_004 in JavaScript: the same steps and output as paper_search_004.py.
const p = tools.paper_search;
const SEARCHES = [
  ["arxiv", (a) => p.search_arxiv(a)],
  ["biorxiv", (a) => p.search_biorxiv(a)],
  ["medrxiv", (a) => p.search_medrxiv(a)],
  ["pubmed", (a) => p.search_pubmed(a)],
  ["google_scholar", (a) => p.search_google_scholar(a)],
];
const key = (title) => title.toLowerCase().split(/\s+/).filter((x) => x).join(" ");
const count = (text, word) => text.toLowerCase().split(word.toLowerCase()).length - 1;

function read(source, paperId) {
  if (source === "arxiv") {
    p.download_arxiv({ paper_id: paperId });
    return p.read_arxiv_paper({ paper_id: paperId });
  }
  if (source === "biorxiv") {
    p.download_biorxiv({ paper_id: paperId });
    return p.read_biorxiv_paper({ paper_id: paperId });
  }
  p.download_medrxiv({ paper_id: paperId });
  return p.read_medrxiv_paper({ paper_id: paperId });
}

const results = {};
const requeried = [];
for (const [name, search] of SEARCHES) {
  let found = search({ query: "machine learning protein folding", max_results: 5 });
  if (found.length < 3) {
    requeried.push(name);
    const ids = found.map((f) => f.paper_id);
    found = found.concat(search({ query: "deep learning protein folding", max_results: 5 }).filter((f) => !ids.includes(f.paper_id)));
  }
  results[name] = found;
}

const table = [];
for (const [name] of SEARCHES) {
  for (const paper of results[name]) {
    const row = table.find((r) => r.key === key(paper.title));
    if (row) {
      if (!row.source_servers.includes(name)) row.source_servers.push(name);
    } else {
      table.push({ key: key(paper.title), paper_id: paper.paper_id, title: paper.title, source_servers: [name], text: "", abstract: paper.abstract });
    }
  }
}

for (const name of ["arxiv", "biorxiv", "medrxiv"]) {
  for (const paper of results[name].slice(0, 3)) {
    const text = read(name, paper.paper_id);
    for (const row of table) if (row.key === key(paper.title)) row.text = text;
  }
}

const checks = [];
for (const name of ["pubmed", "google_scholar"]) {
  for (const paper of results[name]) {
    const hit = p.search_google_scholar({ query: paper.title, max_results: 1 });
    const confirmed = hit.length === 1 && key(hit[0].title) === key(paper.title);
    checks.push({ source: name, paper_id: paper.paper_id, confirmed });
    if (confirmed) {
      for (const row of table) {
        if (row.key === key(paper.title) && !row.source_servers.includes("google_scholar")) row.source_servers.push("google_scholar");
      }
    }
  }
}

const total = table.reduce((sum, row) => sum + count(row.text, "alphafold"), 0);
const keyword = total === 0 ? "RoseTTAFold" : "AlphaFold";
const squash = (text) => text.split(/\s+/).filter((x) => x).join(" ");
const report = table.map((row) => ({
  paper_id: row.paper_id,
  title: row.title,
  source_servers: row.source_servers,
  mention_keyword: keyword,
  mention_count: count(row.text, keyword),
  full_text: row.text !== "",
  summary: squash((row.text !== "" ? row.text : row.abstract).slice(0, 200)),
}));
report.sort((a, b) => b.mention_count - a.mention_count || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));

return { requeried_servers: requeried, scholar_title_checks: checks, papers: report };
