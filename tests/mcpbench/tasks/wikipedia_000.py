# wikipedia_000: dossier on climate-change negotiation frameworks.
# search (limit 5) -> per title: get_article, get_sections -> History ? summarize_article_section
# (150) : get_summary, get_links (count) -> Paris Agreement: summarize_article_for_query +
# extract_key_facts -> cross-check -> Kyoto Protocol: get_related_topics(5), again with 10 if < 5.
w = tools.wikipedia


def has_section(sections, wanted):
    for s in sections:
        if s["title"].lower() == wanted.lower() or has_section(s["sections"], wanted):
            return True
    return False


found = w.search_wikipedia(query="climate change negotiation frameworks", limit=5)
frameworks = [r["title"] for r in found["results"]]

dossier = []
for title in frameworks:
    article = w.get_article(title=title)
    sections = w.get_sections(title=title)["sections"]
    if has_section(sections, "History"):
        summary = w.summarize_article_section(title=title, section_title="History", max_length=150)["summary"]
        basis = "History section"
    else:
        summary = w.get_summary(title=title)["summary"]
        basis = "lead"
    links = w.get_links(title=title)["links"]
    dossier.append({"title": title, "exists": article["exists"], "summary_from": basis, "summary": summary,
                    "link_count": len(links)})

paris_summary = ""
paris_facts = []
mismatches = []
if "Paris Agreement" in frameworks:
    paris_summary = w.summarize_article_for_query(title="Paris Agreement", query="emission reduction targets",
                                                  max_length=200)["summary"]
    paris_facts = w.extract_key_facts(title="Paris Agreement", topic_within_article="emission reduction targets",
                                      count=5)["facts"]
    # A fact is "mentioned" when its sentence (without the final period) occurs in the summary.
    for fact in paris_facts:
        if fact.rstrip(".").lower() not in paris_summary.lower():
            mismatches.append(fact)

kyoto = []
kyoto_limits = []
if "Kyoto Protocol" in frameworks:
    limit = 5
    related = w.get_related_topics(title="Kyoto Protocol", limit=limit)["related_topics"]
    kyoto_limits.append(limit)
    if len(related) < 5:
        limit = 10
        related = w.get_related_topics(title="Kyoto Protocol", limit=limit)["related_topics"]
        kyoto_limits.append(limit)
    kyoto = [t["title"] + " (" + t["type"] + ")" for t in related]

{
    "frameworks": dossier,
    "paris_emission_summary": paris_summary,
    "paris_emission_facts": paris_facts,
    "mismatches": mismatches,
    "kyoto_related_topics": kyoto,
    "kyoto_limits_used": kyoto_limits,
}
