# wikipedia_001: solar vs wind environmental impact and the policy frameworks behind them.
# search x2 -> get_sections -> "Environmental impact(s)" ? summarize_article_section(200)
# : summarize_article_for_query("environmental impact", 200) -> extract_key_facts(5) ->
# get_related_topics(5) -> no policy topic ? search "renewable energy policy frameworks" ->
# summarize_article_for_query(policy, "incentives for solar and wind power", 300) -> get_links x2.
w = tools.wikipedia

POLICY_WORDS = ["policy", "policies", "tariff", "tariffs", "regulation", "regulations", "regulatory", "subsidy",
                "subsidies", "incentive", "incentives", "legislation", "law", "laws", "mandate", "credit", "credits"]
TECH_WORDS = ["hydro", "geothermal", "tidal", "wave", "biomass", "bioenergy", "biofuel"]


def find_section(sections, names):
    for s in sections:
        if s["title"] in names:
            return s["title"]
        inner = find_section(s["sections"], names)
        if inner != "":
            return inner
    return ""


def is_policy(title):
    words = title.lower().replace("-", " ").split()
    return any(word in POLICY_WORDS for word in words)


def study(query):
    title = w.search_wikipedia(query=query, limit=5)["results"][0]["title"]
    sections = w.get_sections(title=title)["sections"]
    section = find_section(sections, ["Environmental impact", "Environmental impacts"])
    if section != "":
        summary = w.summarize_article_section(title=title, section_title=section, max_length=200)["summary"]
    else:
        summary = w.summarize_article_for_query(title=title, query="environmental impact", max_length=200)["summary"]
    facts = w.extract_key_facts(title=title, topic_within_article="Environmental impact", count=5)["facts"]
    related = w.get_related_topics(title=title, limit=5)["related_topics"]
    return {"title": title, "section": section, "summary": summary, "facts": facts, "related": related}


solar = study("Solar energy renewable energy")
wind = study("Wind power renewable energy")

rows = []
i = 0
while i < max(len(solar["facts"]), len(wind["facts"])):
    rows.append({"fact_index": i + 1,
                 "solar": solar["facts"][i] if i < len(solar["facts"]) else "",
                 "wind": wind["facts"][i] if i < len(wind["facts"]) else ""})
    i += 1

policy_topics = [t["title"] for t in solar["related"] + wind["related"] if is_policy(t["title"])]
if len(policy_topics) > 0:
    policy_title = policy_topics[0]
    policy_source = "related topics"
else:
    policy_title = w.search_wikipedia(query="renewable energy policy frameworks", limit=5)["results"][0]["title"]
    policy_source = "fallback search"
policy_summary = w.summarize_article_for_query(title=policy_title, query="incentives for solar and wind power",
                                               max_length=300)["summary"]

solar_links = w.get_links(title=solar["title"])["links"]
wind_links = w.get_links(title=wind["title"])["links"]

# Next technology: the first related article (links before categories, solar list first) whose
# title names another renewable technology than solar or wind.
next_tech = ""
rationale = ""
for topic in solar["related"] + wind["related"]:
    lowered = topic["title"].lower()
    if topic["type"] == "link" and any(word in lowered for word in TECH_WORDS) and next_tech == "":
        origin = solar["title"] if topic in solar["related"] else wind["title"]
        lead = topic["summary"].split(". ")[0].rstrip(".")
        next_tech = topic["title"]
        rationale = (f"{next_tech} appears among the topics related to {origin}, so it connects directly to this "
                     f"comparison. Wikipedia introduces it as follows: {lead}.")

{
    "solar_article": solar["title"],
    "wind_article": wind["title"],
    "solar_summary_source": "section " + solar["section"] if solar["section"] != "" else "query summary",
    "wind_summary_source": "section " + wind["section"] if wind["section"] != "" else "query summary",
    "solar_environmental_summary": solar["summary"],
    "wind_environmental_summary": wind["summary"],
    "solar_key_facts": solar["facts"],
    "wind_key_facts": wind["facts"],
    "comparison_table": rows,
    "related_policy_topics": policy_topics,
    "policy_article_source": policy_source,
    "policy_article_title": policy_title,
    "policy_summary": policy_summary,
    "solar_links_policy_present": policy_title in solar_links,
    "wind_links_policy_present": policy_title in wind_links,
    "recommended_next_technology": next_tech,
    "recommendation_rationale": rationale,
}
