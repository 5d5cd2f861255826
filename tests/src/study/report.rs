//! The study's report: markdown for a reader, JSON for a program, and the charts.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Serialize;

use super::Study;
use super::measure::TaskResult;
use super::plots;

/// The goals of issue 11, evaluated on the full distraction set.
#[derive(Debug, Clone, Serialize)]
pub struct Goals {
    /// Coupled tokens (input + output), all tasks.
    pub coupled_tokens: u64,
    /// Decoupled tokens, all tasks.
    pub decoupled_tokens: u64,
    /// Decoupled as a percentage of coupled (goal: ≤ 5).
    pub decoupled_percent: f64,
    /// Tasks where code mode costs more tokens (goal: none).
    pub tasks_costing_more: Vec<String>,
    /// The largest code-mode / coupled host-time ratio, and its task (goal: ≤ 0.1).
    pub worst_time_ratio: (String, f64),
    /// Tasks whose ratio is over 0.1.
    pub tasks_over_time_ratio: Vec<String>,
    /// The command's time so far, in seconds (goal: under 300).
    pub elapsed_s: f64,
}

impl Goals {
    /// The goals over `study`'s tasks.
    pub fn of(study: &Study) -> Self {
        let tasks = &study.tasks;
        let coupled_tokens = tasks.iter().map(|t| t.coupled_full().total()).sum();
        let decoupled_tokens = tasks.iter().map(|t| t.decoupled.count.total()).sum();
        let ratio =
            |t: &TaskResult| if t.host.coupled_ms > 0.0 { t.host.code_ms / t.host.coupled_ms } else { f64::MAX };
        let worst = tasks
            .iter()
            .map(|t| (t.id.clone(), ratio(t)))
            .fold((String::new(), 0.0), |a, b| if b.1 > a.1 { b } else { a });
        Self {
            coupled_tokens,
            decoupled_tokens,
            decoupled_percent: percent(decoupled_tokens, coupled_tokens),
            tasks_costing_more: tasks
                .iter()
                .filter(|t| t.decoupled.count.total() > t.coupled_full().total())
                .map(|t| t.id.clone())
                .collect(),
            worst_time_ratio: worst,
            tasks_over_time_ratio: tasks.iter().filter(|t| ratio(t) > 0.1).map(|t| t.id.clone()).collect(),
            elapsed_s: study.meta.elapsed_s,
        }
    }
}

fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 { 0.0 } else { part as f64 * 100.0 / whole as f64 }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

/// `n` with thousands separators.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The task groups: single-, two- and three-server tasks.
pub const GROUPS: [(usize, &str, &str); 3] = [
    (1, "single-server", "Single-server tasks"),
    (2, "two-server", "Two-server tasks"),
    (3, "three-server", "Three-server tasks"),
];

/// Writes the report, the data and the charts into `out`; the files written.
///
/// # Errors
///
/// When a file cannot be written or a chart cannot be drawn.
pub fn write(study: &Study, out: &Path) -> anyhow::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(out).with_context(|| out.display().to_string())?;
    let mut files = Vec::new();
    let mut put = |name: &str, text: &str| -> anyhow::Result<()> {
        let path = out.join(name);
        std::fs::write(&path, text).with_context(|| path.display().to_string())?;
        files.push(path);
        Ok(())
    };
    let mut charts = Vec::new();
    for (servers, slug, title) in GROUPS {
        let group: Vec<&TaskResult> = study.tasks.iter().filter(|t| t.servers.len() == servers).collect();
        if group.is_empty() {
            continue;
        }
        let name = format!("tokens-{slug}.svg");
        let title = format!("{title} ({}): tokens vs servers connected", group.len());
        put(&name, &plots::tokens_by_servers(&title, &group)?)?;
        charts.push(name);
    }
    put("host-time.svg", &plots::host_time(&study.tasks)?)?;
    charts.push("host-time.svg".into());
    let goals = Goals::of(study);
    let json = serde_json::json!({ "goals": goals, "meta": study.meta, "tasks": study.tasks });
    put("study.json", &serde_json::to_string_pretty(&json)?)?;
    put("study.md", &markdown(study, &goals, &charts))?;
    Ok(files)
}

/// The markdown report.
pub fn markdown(study: &Study, goals: &Goals, charts: &[String]) -> String {
    let meta = &study.meta;
    let mut md = String::new();
    let _ = writeln!(md, "# The study's efficiency comparison, replayed\n");
    let _ = writeln!(
        md,
        "Measured {} by `{}`: {} task(s), {} build, {} core(s), {:.1} s. Tokens are counted with \
         {}. Every figure below is measured by this run.\n",
        meta.started,
        meta.command,
        study.tasks.len(),
        meta.build,
        meta.cores,
        meta.elapsed_s,
        meta.tokenizer
    );
    let _ = writeln!(md, "## Goals (each task with its full distraction set connected)\n");
    let _ = writeln!(md, "| goal | measured | |\n| --- | --- | --- |");
    let _ = writeln!(
        md,
        "| code-mode tokens ≤ 5 % of context-coupled, in total | {:.2} % ({} of {}) | {} |",
        goals.decoupled_percent,
        thousands(goals.decoupled_tokens),
        thousands(goals.coupled_tokens),
        met(goals.decoupled_percent <= 5.0)
    );
    let _ = writeln!(
        md,
        "| no task where code mode costs more tokens | {} | {} |",
        if goals.tasks_costing_more.is_empty() { "none".to_owned() } else { goals.tasks_costing_more.join(", ") },
        met(goals.tasks_costing_more.is_empty())
    );
    let _ = writeln!(
        md,
        "| host time per task in code mode ≤ 1/10 of the coupled replay's | worst {:.3} ({}); {} task(s) over 1/10{} | {} |",
        goals.worst_time_ratio.1,
        goals.worst_time_ratio.0,
        goals.tasks_over_time_ratio.len(),
        match goals.tasks_over_time_ratio.len() {
            0 => String::new(),
            1..=5 => format!(": {}", goals.tasks_over_time_ratio.join(", ")),
            _ => " (see Host time)".to_owned(),
        },
        met(goals.tasks_over_time_ratio.is_empty())
    );
    let _ = writeln!(
        md,
        "| the command in under 5 minutes | {:.1} s on {} core(s) | {} |\n",
        goals.elapsed_s,
        meta.cores,
        met(goals.elapsed_s < 300.0)
    );

    let _ = writeln!(md, "## Per task (full distraction set connected)\n");
    let _ = writeln!(
        md,
        "Tokens are input (summed over turns) + output. Host time is the client's round trips: the coupled \
         replay's calls summed, against one `run_script`.\n"
    );
    let _ = writeln!(
        md,
        "| task | servers connected (synthetic) | tools listed | calls | coupled tokens | code-mode tokens | saving | \
         turns coupled / code | host ms coupled | host ms code | time ratio |"
    );
    let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    let (mut turns_c, mut turns_d, mut time_c, mut time_d, mut calls) = (0, 0, 0.0, 0.0, 0);
    for t in &study.tasks {
        let (full, d) = (t.coupled.last(), t.decoupled.count);
        let coupled = t.coupled_full();
        turns_c += coupled.turns;
        turns_d += d.turns;
        time_c += t.host.coupled_ms;
        time_d += t.host.code_ms;
        calls += t.calls;
        let _ = writeln!(
            md,
            "| {} | {} ({}) | {} | {} | {} | {} | {:.1} % | {} / {} | {:.1} | {:.1} | {:.3} |",
            t.id,
            full.map_or(0, |s| s.step.servers.len()),
            full.map_or(0, |s| s.step.synthetic),
            full.map_or(0, |s| s.tools),
            t.calls,
            thousands(coupled.total()),
            thousands(d.total()),
            100.0 - percent(d.total(), coupled.total()),
            coupled.turns,
            d.turns,
            t.host.coupled_ms,
            t.host.code_ms,
            if t.host.coupled_ms > 0.0 { t.host.code_ms / t.host.coupled_ms } else { 0.0 }
        );
    }
    let _ = writeln!(
        md,
        "| **total** | | | {calls} | {} | {} | {:.1} % | {turns_c} / {turns_d} | {time_c:.1} | {time_d:.1} | {:.3} |\n",
        thousands(goals.coupled_tokens),
        thousands(goals.decoupled_tokens),
        100.0 - goals.decoupled_percent,
        if time_c > 0.0 { time_d / time_c } else { 0.0 }
    );

    host_section(&mut md, study);

    let _ = writeln!(md, "## Tokens as the catalogue grows\n");
    let _ = writeln!(
        md,
        "Summed over each group's tasks: the coupled agent at each step of its catalogue (its own servers; with \
         the resident Time MCP; with 1…10 of its distraction servers), against code mode, whose prompt does not \
         grow with the catalogue (its three tool definitions are the same, and each discovery query names its \
         tool). A Time MCP task's own server is the resident one: its \"+ Time MCP\" step adds \
         nothing.\n"
    );
    let dearer: Vec<String> = study
        .tasks
        .iter()
        .flat_map(|t| {
            let d = t.decoupled.count.total();
            t.coupled.iter().filter(move |s| s.count.total() < d).map(move |s| {
                format!(
                    "{} with {} ({} coupled, {} code mode)",
                    t.id,
                    s.step.label,
                    thousands(s.count.total()),
                    thousands(d)
                )
            })
        })
        .collect();
    let _ = writeln!(
        md,
        "Steps where code mode costs more than the coupled agent: {}.{}\n",
        if dearer.is_empty() { "none".to_owned() } else { dearer.join("; ") },
        if dearer.is_empty() {
            ""
        } else {
            " With one small server and a few calls, the coupled agent's listing is smaller than what code mode \
             reads and writes: its tool definitions on each of 3 turns, the declarations it asks for, and the \
             script."
        }
    );
    for (servers, _, title) in GROUPS {
        let group: Vec<&TaskResult> = study.tasks.iter().filter(|t| t.servers.len() == servers).collect();
        if group.is_empty() {
            continue;
        }
        let steps = group.iter().map(|t| t.coupled.len()).max().unwrap_or(0);
        let decoupled: u64 = group.iter().map(|t| t.decoupled.count.total()).sum();
        let _ = writeln!(md, "**{title}** ({}); code mode: {} tokens\n", group.len(), thousands(decoupled));
        let _ = writeln!(md, "| step | coupled tokens | code mode / coupled |\n| --- | --- | --- |");
        for i in 0..steps {
            let label = group.iter().filter_map(|t| t.coupled.get(i)).map(|s| s.step.label.as_str()).min();
            let sum: u64 = group.iter().filter_map(|t| t.coupled.get(i)).map(|s| s.count.total()).sum();
            let label = label.unwrap_or_default();
            let _ = writeln!(md, "| {label} | {} | {:.2} % |", thousands(sum), percent(decoupled, sum));
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "## What the counts are made of\n");
    let ten = &meta.ten_servers;
    let _ = writeln!(
        md,
        "- **Tool listings** are in MCP-Bench's prompt format (a `Tool:` line naming server and tool, the \
         description, the input schema as indented JSON). The ten servers come from cemcp's own `tools/list` \
         (`cemcp serve --expose tools`): {} tools, {} characters, {} tokens (the study's listing of the same \
         servers: {} characters). Ours is larger: every description names its component, and parameters \
         carry descriptions.",
        ten.tools,
        thousands(ten.chars),
        thousands(ten.tokens),
        thousands(meta.study_ten_servers_chars)
    );
    let _ = writeln!(
        md,
        "- **SYNTHETIC filler servers** stand in for the {} distraction servers outside the ten. Each has the \
         character and tool count of the original it stands in for, solved from the study's published per-task \
         listing sizes (largest residual: {} characters, {} tools); its tools are generated text, labelled \
         synthetic. Sizes (characters / tools): {}.",
        meta.filler.len(),
        meta.filler_residuals.0,
        meta.filler_residuals.1,
        meta.filler
            .iter()
            .map(|f| format!("{} {}/{}", f.name, thousands(f.size.chars), f.size.tools))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        md,
        "- **Code mode's prompt**: the code-mode tools' definitions ({} tokens: `{}`), then `search_tools` \
         (detail \"full\", language \"python\") for each function the script uses, {} calls in all, then \
         `run_script` with the script as written (its leading comment, which explains the expected output, \
         left out: {} tokens in all), then the program's output.",
        meta.code_definitions.tokens,
        meta.code_tools.join("`, `"),
        study.tasks.iter().map(|t| t.decoupled.searches).sum::<usize>(),
        thousands(study.tasks.iter().map(|t| t.decoupled.header_tokens_left_out).sum())
    );
    let _ = writeln!(
        md,
        "- **The task text** is a fixed template (\"{}\"): the benchmark's task descriptions are not in this \
         repository. It is the same for both agents; a real description, read on every \
         turn, would add more to the coupled agent, which has more turns.",
        meta.task_template
    );
    let failures: Vec<String> = study
        .tasks
        .iter()
        .filter(|t| t.replay_failures > 0)
        .map(|t| format!("{} ({} of {})", t.id, t.replay_failures, t.calls))
        .collect();
    let _ = writeln!(
        md,
        "- **Replay failures**: calls that succeeded in the script's run but failed when replayed tool by tool: \
         {}. Tools mode keeps no state between calls, so a Scientific Computing tensor stored by one call is \
         gone in the next; the coupled agent is charged the (shorter) error text, which favours it.",
        if failures.is_empty() { "none".to_owned() } else { failures.join(", ") }
    );
    let wrong: Vec<&str> = study
        .tasks
        .iter()
        .filter(|t| !(t.traced_output_matches && t.script_output_matches))
        .map(|t| t.id.as_str())
        .collect();
    let _ = writeln!(
        md,
        "- **Outputs**: every task's script gave its expected output both in the traced run and through \
         `run_script`{}.",
        if wrong.is_empty() { String::new() } else { format!(", except: {}", wrong.join(", ")) }
    );
    let _ = writeln!(
        md,
        "- **One-time costs, not in the per-task times**: the first `run_script` ({:.1} ms, the Python \
         interpreter loaded and linked) and the first tools-mode call ({:.1} ms), made before the tasks. \
         Each host time is the median of {} measurement(s).",
        meta.warm_up.first_script_ms, meta.warm_up.first_tool_call_ms, meta.repeat
    );
    let _ = writeln!(
        md,
        "- **Not captured**: a live model's mistakes and retries (a wrong call costs a turn in either mode, a \
         failing script a rewrite), its reasoning text, the per-message framing of a chat format, and the \
         benchmark's summarising of results over about 1,000 tokens (which cuts the coupled context at the \
         price of a model call per long result).\n"
    );
    live_section(&mut md, study);
    let _ = writeln!(md, "## Files\n");
    for chart in charts {
        let _ = writeln!(md, "- [{chart}]({chart})");
    }
    let _ = writeln!(md, "- [study.json](study.json): every figure above, per task and per catalogue step");
    md
}

/// Host time: what each mode pays, and the ratio's spread.
fn host_section(md: &mut String, study: &Study) {
    let tasks = &study.tasks;
    if tasks.is_empty() {
        return;
    }
    let warm = &study.meta.warm_up;
    let mut ratios: Vec<(f64, &str)> = tasks
        .iter()
        .filter(|t| t.host.coupled_ms > 0.0)
        .map(|t| (t.host.code_ms / t.host.coupled_ms, t.id.as_str()))
        .collect();
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    let median = ratios.get(ratios.len().saturating_sub(1) / 2).map_or(0.0, |r| r.0);
    let (best, worst) = (ratios.first().copied().unwrap_or_default(), ratios.last().copied().unwrap_or_default());
    let sum = |f: fn(&TaskResult) -> f64| tasks.iter().map(f).sum::<f64>();
    let (coupled, code, shared) =
        (sum(|t| t.host.coupled_ms), sum(|t| t.host.code_ms), sum(|t| t.host.traced_tools_ms));
    let calls: usize = tasks.iter().map(|t| t.calls).sum();
    let _ = writeln!(md, "## Host time\n");
    let _ = writeln!(
        md,
        "Tool by tool, every call is a JSON-RPC round trip over stdio and a fresh tool instance: a trivial call \
         (`time_mcp_get_current_time`) takes {:.3} ms warm. Code mode pays once per script: a trivial \
         `run_script` takes {:.3} ms warm, and each call inside it costs only the call. What the tools \
         themselves do is the same in both modes: {shared:.1} ms over the {calls} calls of the traced runs, \
         most of it the web-API tools' requests to the offline services. The replay has no model: the \
         model turns that code mode saves (n + 1 against 3) cost nothing here.\n",
        warm.trivial_tool_call_ms, warm.trivial_script_ms
    );
    let _ = writeln!(
        md,
        "| | code mode / coupled |\n| --- | --- |\n| all tasks ({coupled:.1} ms coupled, {code:.1} ms code mode) | \
         {:.3} |\n| median task | {median:.3} |\n| best | {:.3} ({}) |\n| worst | {:.3} ({}) |\n",
        if coupled > 0.0 { code / coupled } else { 0.0 },
        best.0,
        best.1,
        worst.0,
        worst.1
    );
    let _ = writeln!(
        md,
        "Where the time goes (from the one traced in-process run, which also turns every call into JSON \
         for its trace). *Tools' work*: time inside the tool calls (the same calls both modes make). *Script's \
         work*: the rest of that run (the interpreter running the script, and turning each result into Python \
         values), which in the coupled replay is the model's reading of results, not timed.\n"
    );
    let _ = writeln!(
        md,
        "| task | calls | coupled ms | code-mode ms | tools' work ms | script's work ms |\n| --- | --- | --- | --- | --- | --- |"
    );
    for t in tasks {
        let h = &t.host;
        let _ = writeln!(
            md,
            "| {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |",
            t.id,
            t.calls,
            h.coupled_ms,
            h.code_ms,
            h.traced_tools_ms,
            (h.in_process_ms - h.traced_tools_ms).max(0.0)
        );
    }
    let _ = writeln!(md);
}

/// The live agent loop's figures, when an endpoint was given.
fn live_section(md: &mut String, study: &Study) {
    if study.agent.is_empty() {
        return;
    }
    let _ = writeln!(md, "## A live model\n");
    let _ = writeln!(
        md,
        "{}: each task run by the model in both modes, tokens as the endpoint reported them. Task texts from \
         a prompts file where given, else the first paragraph of the script's comment (which may lack the \
         task's data).\n",
        study.meta.agent_endpoint.as_deref().unwrap_or("endpoint")
    );
    let _ = writeln!(
        md,
        "| task | text | mode | turns | prompt tokens | completion tokens | tool calls (failed) | answered | model ms | host ms |"
    );
    let _ = writeln!(md, "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for t in &study.agent {
        for (mode, run) in [("coupled", &t.coupled), ("code mode", &t.decoupled)] {
            let _ = writeln!(
                md,
                "| {} | {} | {mode} | {} | {}{} | {} | {} ({}) | {} | {:.0} | {:.1} |",
                t.id,
                t.text_from,
                run.turns,
                thousands(run.prompt_tokens),
                if run.usage_reported { "" } else { " (not all reported)" },
                thousands(run.completion_tokens),
                run.tool_calls,
                run.failed_calls,
                if run.answer.is_some() { "yes" } else { "no (turn limit)" },
                run.model_ms,
                run.host_ms
            );
        }
    }
    let _ = writeln!(md);
}
