// wikipedia_000 in JavaScript: the same steps and output as wikipedia_000.py.
const w = tools.wikipedia;

function hasSection(sections, wanted) {
  return sections.some((s) => s.title.toLowerCase() === wanted.toLowerCase() || hasSection(s.sections, wanted));
}

const frameworks = w.search_wikipedia({ query: "climate change negotiation frameworks", limit: 5 }).results.map((r) => r.title);

const dossier = frameworks.map((title) => {
  const article = w.get_article({ title });
  const sections = w.get_sections({ title }).sections;
  let summary;
  let basis;
  if (hasSection(sections, "History")) {
    summary = w.summarize_article_section({ title, section_title: "History", max_length: 150 }).summary;
    basis = "History section";
  } else {
    summary = w.get_summary({ title }).summary;
    basis = "lead";
  }
  const links = w.get_links({ title }).links;
  return { title, exists: article.exists, summary_from: basis, summary, link_count: links.length };
});

let parisSummary = "";
let parisFacts = [];
let mismatches = [];
if (frameworks.includes("Paris Agreement")) {
  parisSummary = w.summarize_article_for_query({ title: "Paris Agreement", query: "emission reduction targets", max_length: 200 }).summary;
  parisFacts = w.extract_key_facts({ title: "Paris Agreement", topic_within_article: "emission reduction targets", count: 5 }).facts;
  // A fact is "mentioned" when its sentence (without the final period) occurs in the summary.
  mismatches = parisFacts.filter((fact) => !parisSummary.toLowerCase().includes(fact.replace(/\.+$/, "").toLowerCase()));
}

let kyoto = [];
const kyotoLimits = [];
if (frameworks.includes("Kyoto Protocol")) {
  let related = w.get_related_topics({ title: "Kyoto Protocol", limit: 5 }).related_topics;
  kyotoLimits.push(5);
  if (related.length < 5) {
    related = w.get_related_topics({ title: "Kyoto Protocol", limit: 10 }).related_topics;
    kyotoLimits.push(10);
  }
  kyoto = related.map((t) => `${t.title} (${t.type})`);
}

return {
  frameworks: dossier,
  paris_emission_summary: parisSummary,
  paris_emission_facts: parisFacts,
  mismatches,
  kyoto_related_topics: kyoto,
  kyoto_limits_used: kyotoLimits,
};
