//! Priorities (ترتيب الأولويات): the bureau's criteria and weights, the ranked projects with
//! their score per criterion (a tap shows where a score comes from, and lets whoever may enter
//! scores enter one with a reason), the what-if beside the saved ranking, save, undo, approve.
//!
//! The what-if is kept here (weights and scores moved, not saved) and sent to the server at
//! each change, which answers both rankings; nothing is written until the bureau saves. The
//! priorities' log is their own (`/api/priorities/actions/{id}/undo`), not the office's.

use std::collections::BTreeMap;

use tachkhis_shared::api::priorities::{
    Approval, ApproveInput, Criterion, CriterionInput, CriterionScore, Measure, Priorities,
    PriorityDone, PrioritySettings, RankedRow, ScoreInput, ScoreOverride, WeightOverride, WhatIf,
    WhatIfResult,
};
use tachkhis_shared::money::parse_mad;
use tachkhis_shared::permissions::Action;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::log::epoch_ms;
use super::{Acted, Link, LoadNotice, Office, select_value, use_get, use_office};
use crate::i18n::Lang;
use crate::net::office;
use crate::route::Route;
use crate::use_model;
use crate::widgets::show_time;

impl Acted for PriorityDone {
    // The priorities have their own log and undo (on this screen), not the office's.
    fn action(&self) -> Option<i64> {
        None
    }
}

impl Acted for Approval {
    fn action(&self) -> Option<i64> {
        None
    }
}

pub fn measure_key(m: &Measure) -> &'static str {
    match m {
        Measure::Entered => "office.priorities.measure.entered",
        Measure::Sessions => "office.priorities.measure.sessions",
        Measure::Douars => "office.priorities.measure.douars",
        Measure::Poles => "office.priorities.measure.poles",
        Measure::WomenVulnerableShare => "office.priorities.measure.women_vulnerable_share",
        Measure::People => "office.priorities.measure.people",
        Measure::CostShare => "office.priorities.measure.cost_share",
        Measure::PartnersShare => "office.priorities.measure.partners_share",
        Measure::Unknown(_) => "office.priorities.measure.other",
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// The rule: "1, then ≥ 2 → 2 · ≥ 4 → 3 …" (or "≤ …" when lower is better). The steps are
/// their own left-to-right element: inside Arabic text "≥ 2 → 2" would read backwards, and
/// the ≥ would be mirrored.
pub fn rule_text(lang: Lang, thresholds: Option<[f64; 4]>, lower: bool) -> Html {
    let Some(t) = thresholds else {
        return html! { lang.t("office.priorities.rule.entered") };
    };
    let parts: Vec<String> = if lower {
        t.iter()
            .rev()
            .enumerate()
            .map(|(i, v)| format!("≤ {} → {}", num(*v), i + 2))
            .collect()
    } else {
        t.iter()
            .enumerate()
            .map(|(i, v)| format!("≥ {} → {}", num(*v), i + 2))
            .collect()
    };
    html! {
        <>
            { lang.t("office.priorities.rule.computed") }{ " " }
            <span dir="ltr" class="steps">{ parts.join(" · ") }</span>
        </>
    }
}

fn input_value(e: &InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// The what-if as the screen holds it.
#[derive(Clone, PartialEq, Default)]
struct Draft {
    weights: BTreeMap<i64, u32>,
    scores: BTreeMap<(i64, i64), Option<u8>>,
}

impl Draft {
    fn is_empty(&self) -> bool {
        self.weights.is_empty() && self.scores.is_empty()
    }

    fn body(&self, reason: &str) -> WhatIf {
        WhatIf {
            weights: self
                .weights
                .iter()
                .map(|(c, w)| WeightOverride {
                    criterion_id: *c,
                    weight: *w,
                })
                .collect(),
            scores: self
                .scores
                .iter()
                .map(|((p, c), s)| ScoreOverride {
                    project_id: *p,
                    criterion_id: *c,
                    score: *s,
                    reason: reason.to_string(),
                })
                .collect(),
        }
    }
}

#[component]
pub fn PrioritiesPage() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let data = use_get::<Priorities>(Some("/api/priorities".into()));
    let draft = use_state(Draft::default);
    let what_if = use_state(|| None::<WhatIfResult>);
    let open = use_state(|| None::<(i64, i64)>);
    let reason = use_state(String::new);
    {
        // The proposed ranking follows the draft (and every saved change).
        let what_if = what_if.clone();
        let token = office.token.clone();
        let failed = office.clone();
        use_effect_with(((*draft).clone(), office.reload), move |(d, _)| {
            if d.is_empty() {
                what_if.set(None);
            } else {
                let body = d.body("");
                wasm_bindgen_futures::spawn_local(async move {
                    match office::send::<_, WhatIfResult>(
                        "POST",
                        &token,
                        "/api/priorities/what-if",
                        Some(&body),
                    )
                    .await
                    {
                        Ok(r) => what_if.set(Some(r)),
                        Err(e) => failed.failed(e),
                    }
                });
            }
        });
    }
    let Some(p) = data.data.clone() else {
        return html! {
            <section class="office-page">
                <h1>{ lang.t("office.priorities.title") }</h1>
                <LoadNotice loading={data.loading} error={data.error.clone()} has_data=false />
            </section>
        };
    };
    let bureau = office.can(Action::EditCriteria);
    let may_score = office.can(Action::EnterScores);
    let active = what_if.as_ref().filter(|_| !draft.is_empty());
    let rows: &[RankedRow] = match active {
        Some(w) => &w.proposed,
        None => &p.ranking,
    };
    let saved_rank: BTreeMap<i64, u32> = p.ranking.iter().map(|r| (r.project_id, r.rank)).collect();

    let on_weight = {
        let draft = draft.clone();
        let p = p.clone();
        Callback::from(move |(id, text): (i64, String)| {
            let Ok(w) = text.trim().parse::<u32>() else {
                return;
            };
            let mut d = (*draft).clone();
            let saved = p.criteria.iter().find(|c| c.id == id).map(|c| c.weight);
            if saved == Some(w) {
                d.weights.remove(&id);
            } else {
                d.weights.insert(id, w.min(100));
            }
            draft.set(d);
        })
    };
    let on_try = {
        let draft = draft.clone();
        Callback::from(move |(project, criterion, score): (i64, i64, Option<u8>)| {
            let mut d = (*draft).clone();
            d.scores.insert((project, criterion), score);
            draft.set(d);
        })
    };
    let reset = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.set(Draft::default()))
    };
    let save = {
        let (office, draft, reason) = (office.clone(), draft.clone(), reason.clone());
        Callback::from(move |_: MouseEvent| {
            let body = draft.body(reason.trim());
            let token = office.token.clone();
            let (draft, reason) = (draft.clone(), reason.clone());
            office.act(
                "office.priorities.done.saved",
                async move {
                    office::send::<_, PriorityDone>(
                        "POST",
                        &token,
                        "/api/priorities/save",
                        Some(&body),
                    )
                    .await
                },
                move |_| {
                    draft.set(Draft::default());
                    reason.set(String::new());
                },
            );
        })
    };

    let criteria_rows = p.criteria.iter().map(|c| {
        let weight = draft.weights.get(&c.id).copied().unwrap_or(c.weight);
        let moved = draft.weights.contains_key(&c.id);
        // On change (Enter, leaving the field), not on each key: the what-if is asked once
        // per weight, and a re-render never races the typing.
        let onchange = {
            let on_weight = on_weight.clone();
            let id = c.id;
            Callback::from(move |e: Event| {
                on_weight.emit((id, e.target_unchecked_into::<HtmlInputElement>().value()))
            })
        };
        html! {
            <tr data-test="criterion" data-id={c.id.to_string()}>
                <td class="text"><span dir="auto">{ lang.pick(&c.name_ar, &c.name_fr).to_string() }</span></td>
                <td>{ lang.t(measure_key(&c.measure)) }</td>
                <td class="rule">{ rule_text(lang, c.thresholds, c.measure.lower_is_better()) }</td>
                <td class={classes!("num", moved.then_some("moved"))}>
                    if bureau {
                        <input type="number" min="0" max="100" class="weight" data-test="weight"
                            aria-label={lang.t("office.priorities.weight")}
                            value={weight.to_string()} {onchange} />
                    } else {
                        { weight }
                    }
                </td>
                if bureau {
                    <td><CriterionEdit criterion={c.clone()} /></td>
                }
            </tr>
        }
    });

    let score_cell = |row: &RankedRow, s: &CriterionScore| {
        let selected = *open == Some((row.project_id, s.criterion_id));
        let onclick = {
            let open = open.clone();
            let key = (row.project_id, s.criterion_id);
            Callback::from(move |_: MouseEvent| {
                open.set(if *open == Some(key) { None } else { Some(key) })
            })
        };
        let class = classes!(
            "score",
            s.score.map(|v| format!("s{v}")),
            s.trace.overridden.then_some("moved"),
            selected.then_some("selected")
        );
        html! {
            <td class="num">
                <button type="button" {class} data-test="score" {onclick}
                    title={lang.t("office.priorities.show_trace")}>
                    { s.score.map(|v| v.to_string()).unwrap_or("–".into()) }
                </button>
            </td>
        }
    };
    let ranked = rows.iter().map(|r| {
        let before = saved_rank.get(&r.project_id).copied().unwrap_or(r.rank);
        let moved = i64::from(before) - i64::from(r.rank);
        let arrow = match moved {
            0 => html! { <span class="muted">{ "=" }</span> },
            m if m > 0 => html! { <span class="up" data-test="up">{ format!("▲{m}") }</span> },
            m => html! { <span class="down" data-test="down">{ format!("▼{}", -m) }</span> },
        };
        html! {
            <tr data-test="ranked" data-id={r.project_id.to_string()} data-rank={r.rank.to_string()}>
                <td class="num rank"><bdi dir="ltr">{ r.rank }{ if r.tied { "=" } else { "" } }</bdi></td>
                if active.is_some() {
                    <td class="num">{ before }</td>
                    <td class="num">{ arrow }</td>
                }
                <td class="num">{ r.number }</td>
                <td class="text"><Link to={Route::OfficeProject { id: Some(r.project_id) }}>
                    <span dir="auto">{ lang.pick(&r.title_ar, &r.title_fr).to_string() }</span>
                </Link></td>
                { for r.scores.iter().map(|s| score_cell(r, s)) }
                <td class="num total">{ r.total }</td>
                <td class="num">{ format!("{:.2}", r.mean) }</td>
            </tr>
        }
    });
    let trace = open.and_then(|(project, criterion)| {
        let row = rows.iter().find(|r| r.project_id == project)?;
        let s = row.scores.iter().find(|s| s.criterion_id == criterion)?;
        let c = p.criteria.iter().find(|c| c.id == criterion)?;
        Some(html! {
            <TraceCard row={row.clone()} score={s.clone()} criterion={c.clone()}
                may_score={may_score} on_try={on_try.clone()} />
        })
    });

    let heads = p.criteria.iter().map(|c| {
        html! { <th class="num crit" title={lang.pick(&c.name_ar, &c.name_fr).to_string()}>
            <span dir="auto">{ lang.pick(&c.name_ar, &c.name_fr).to_string() }</span>
        </th> }
    });
    let side_by_side = active.map(|w| {
        let list = |rows: &[RankedRow], test: &'static str| {
            html! {
                <ol class="compact-ranking" data-test={test}>
                    { for rows.iter().map(|r| html! {
                        <li>
                            <span class="num rank"><bdi dir="ltr">{ r.rank }{ if r.tied { "=" } else { "" } }</bdi></span>
                            <span dir="auto">{ format!("{}. {}", r.number, lang.pick(&r.title_ar, &r.title_fr)) }</span>
                            <span class="num">{ r.total }</span>
                        </li>
                    }) }
                </ol>
            }
        };
        html! {
            <div class="what-if" data-test="what-if">
                <div>
                    <h3>{ lang.t("office.priorities.saved") }</h3>
                    { list(&w.saved, "saved-ranking") }
                </div>
                <div>
                    <h3>{ lang.t("office.priorities.proposed") }</h3>
                    { list(&w.proposed, "proposed-ranking") }
                </div>
            </div>
        }
    });
    let draft_bar = (!draft.is_empty()).then(|| {
        let oninput = {
            let reason = reason.clone();
            Callback::from(move |e: InputEvent| reason.set(input_value(&e)))
        };
        html! {
            <div class="draft-bar" data-test="draft-bar">
                <p>{ lang.t("office.priorities.what_if_hint") }</p>
                if bureau {
                    <input type="text" class="reason" data-test="save-reason" dir="auto"
                        placeholder={lang.t("office.priorities.reason")} value={(*reason).clone()} {oninput} />
                    <button type="button" class="btn primary small" data-test="save-what-if"
                        disabled={office.busy} onclick={save}>{ lang.t("office.priorities.save") }</button>
                }
                <button type="button" class="btn secondary small" data-test="reset-what-if" onclick={reset}>
                    { lang.t("office.priorities.reset") }
                </button>
            </div>
        }
    });

    html! {
        <section class="office-page priorities-page" data-test="priorities-page">
            <div class="page-head">
                <h1>{ lang.t("office.priorities.title") }</h1>
                <span class="count">{ lang.tn("office.priorities.projects", p.ranking.len() as u64) }</span>
            </div>
            if p.illustrative {
                <p class="notice illustrative" data-test="illustrative">{ lang.t("office.priorities.illustrative") }</p>
            }
            <ApprovalPart approval={p.approval.clone()} may_approve={office.can(Action::ApproveRanking)} />
            <section class="criteria" data-test="criteria">
                <h2>{ lang.t("office.priorities.criteria") }</h2>
                if !bureau {
                    <p class="muted">{ lang.t("office.priorities.bureau_only") }</p>
                }
                <table class="grid compact">
                    <thead><tr>
                        <th>{ lang.t("office.priorities.criterion") }</th>
                        <th>{ lang.t("office.priorities.measure") }</th>
                        <th>{ lang.t("office.priorities.rule") }</th>
                        <th class="num">{ lang.t("office.priorities.weight") }</th>
                        if bureau { <th></th> }
                    </tr></thead>
                    <tbody>{ for criteria_rows }</tbody>
                </table>
                if bureau {
                    <NewCriterion />
                    <MeansForm settings={p.settings.clone()} />
                } else if let Some(m) = &p.settings.yearly_means {
                    <p>{ lang.t("office.priorities.yearly_means") }{ " " }{ super::money(Some(m)) }</p>
                }
            </section>
            { for draft_bar }
            { for side_by_side }
            { for trace }
            <div class="table-scroll">
                <table class="grid compact ranking" data-test="ranking">
                    <thead><tr>
                        <th class="num">{ lang.t("office.priorities.rank") }</th>
                        if active.is_some() {
                            <th class="num">{ lang.t("office.priorities.saved_rank") }</th>
                            <th class="num">{ lang.t("office.priorities.move") }</th>
                        }
                        <th class="num">{ "#" }</th>
                        <th>{ lang.t("office.priorities.project") }</th>
                        { for heads }
                        <th class="num">{ lang.t("office.priorities.total") }</th>
                        <th class="num">{ lang.t("office.priorities.mean") }</th>
                    </tr></thead>
                    <tbody>{ for ranked }</tbody>
                </table>
            </div>
            <LogPart priorities={p.clone()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct TraceCardProps {
    row: RankedRow,
    score: CriterionScore,
    criterion: Criterion,
    may_score: bool,
    on_try: Callback<(i64, i64, Option<u8>)>,
}

/// Where a score comes from; trying another in the what-if; entering one with a reason.
#[component]
fn TraceCard(props: &TraceCardProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let value = use_state(|| props.score.score.unwrap_or(3));
    let reason = use_state(String::new);
    let (row, s, c) = (&props.row, &props.score, &props.criterion);
    let t = &s.trace;
    // What a computed score counted: the project's needs and the sessions behind them.
    let counted = use_get::<tachkhis_shared::api::priorities::ProjectPriority>(
        c.measure
            .is_computed()
            .then(|| format!("/api/priorities/projects/{}", row.project_id)),
    );
    let (model, _) = use_model();
    let reference = model.reference();
    let r = reference.as_deref();
    let counted = counted.data.as_ref().map(|p| {
        const SHOWN: usize = 12;
        let sessions = p.sessions.iter().take(SHOWN).map(|x| {
            html! {
                <li>{ format!("{} · {} · {} · {}", x.date, x.pole_id, super::group_name(r, lang, &x.group_kind),
                    lang.tf("office.priorities.present", &[("count", &x.present.to_string())])) }</li>
            }
        });
        let more = p.sessions.len().saturating_sub(SHOWN);
        html! {
            <div class="counted" data-test="trace-counted">
                <h4>{ lang.t("office.priorities.counted_needs") }</h4>
                if p.needs.is_empty() { <p class="muted">{ lang.t("office.project.no_needs") }</p> }
                <ul>{ for p.needs.iter().map(|n| html! {
                    <li><Link to={Route::OfficeNeed { id: n.id }}><span dir="auto">{ &n.title }</span></Link>
                        { " " }<span class="sub">{ lang.tf("office.need.proposals", &[("count", &n.proposals.to_string())]) }</span></li>
                }) }</ul>
                <h4>{ lang.tf("office.priorities.counted_sessions", &[("count", &p.sessions.len().to_string())]) }</h4>
                <ul class="sessions">{ for sessions }</ul>
                if more > 0 { <p class="muted">{ lang.tf("office.priorities.more", &[("count", &more.to_string())]) }</p> }
                <p class="sub">{ lang.tf("office.priorities.places", &[("douars", &p.douars.join("، ")), ("poles", &p.poles.join("، "))]) }</p>
            </div>
        }
    });
    let figure = t.figure.map(num);
    let entered = t.entered.as_ref().map(|e| {
        html! {
            <p data-test="entered-by">
                { lang.tf("office.priorities.entered_by", &[
                    ("who", e.username.as_deref().unwrap_or("—")),
                    ("when", &show_time(epoch_ms(e.at))),
                ]) }
                { " " }<q dir="auto">{ &e.reason }</q>
            </p>
        }
    });
    let onchange = {
        let value = value.clone();
        Callback::from(move |e: Event| {
            if let Ok(v) = select_value(&e).parse() {
                value.set(v)
            }
        })
    };
    let try_it = {
        let (on_try, value) = (props.on_try.clone(), value.clone());
        let (p, cid) = (row.project_id, c.id);
        Callback::from(move |_: MouseEvent| on_try.emit((p, cid, Some(*value))))
    };
    let enter = {
        let (office, value, reason) = (office.clone(), value.clone(), reason.clone());
        let path = format!(
            "/api/priorities/projects/{}/scores/{}",
            row.project_id, c.id
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = ScoreInput {
                score: Some(*value),
                reason: (*reason).clone(),
            };
            let (token, path) = (office.token.clone(), path.clone());
            let reason = reason.clone();
            office.act(
                "office.priorities.done.scored",
                async move { office::send::<_, PriorityDone>("PUT", &token, &path, Some(&body)).await },
                move |_| reason.set(String::new()),
            );
        })
    };
    let on_reason = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| reason.set(input_value(&e)))
    };
    let options = (1..=5u8).map(|v| {
        html! { <option value={v.to_string()} selected={v == *value}>{ v }</option> }
    });
    html! {
        <aside class="trace-card" data-test="trace-card">
            <h3 dir="auto">{ format!("{}. {} — {}", row.number, lang.pick(&row.title_ar, &row.title_fr), lang.pick(&c.name_ar, &c.name_fr)) }</h3>
            <dl class="facts">
                <dt>{ lang.t("office.priorities.score") }</dt>
                <dd data-test="trace-score">{ s.score.map(|v| v.to_string()).unwrap_or(lang.t("office.priorities.missing").into()) }</dd>
                if c.measure.is_computed() {
                    <dt>{ lang.t(measure_key(&c.measure)) }</dt>
                    <dd data-test="trace-figure">{ figure.unwrap_or(lang.t("office.priorities.no_figure").into()) }</dd>
                }
                <dt>{ lang.t("office.priorities.rule") }</dt>
                <dd>{ rule_text(lang, t.thresholds, t.lower_is_better) }</dd>
            </dl>
            { for entered }
            { for counted }
            if t.overridden {
                <p class="moved">{ lang.t("office.priorities.overridden") }</p>
            }
            <Link to={Route::OfficeProject { id: Some(row.project_id) }}>{ lang.t("office.priorities.see_sheet") }</Link>
            <form class="score-form" onsubmit={enter}>
                <label>
                    <span>{ lang.t("office.priorities.score") }</span>
                    <select data-test="score-value" {onchange}>{ for options }</select>
                </label>
                <button type="button" class="btn secondary small" data-test="try-score" onclick={try_it}>
                    { lang.t("office.priorities.try") }
                </button>
                if props.may_score && !c.measure.is_computed() {
                    <input type="text" dir="auto" class="reason" data-test="score-reason" required=true
                        placeholder={lang.t("office.priorities.reason")} value={(*reason).clone()} oninput={on_reason} />
                    <button type="submit" class="btn primary small" data-test="enter-score"
                        disabled={office.busy || reason.trim().is_empty()}>
                        { lang.t("office.priorities.enter") }
                    </button>
                }
            </form>
        </aside>
    }
}

#[derive(Properties, PartialEq)]
struct CriterionEditProps {
    criterion: Criterion,
}

/// The bureau renames a criterion, changes its thresholds, or removes it.
#[component]
fn CriterionEdit(props: &CriterionEditProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let open = use_state(|| false);
    let c = &props.criterion;
    let fields = use_state(|| {
        (
            c.name_ar.clone(),
            c.name_fr.clone(),
            c.thresholds
                .map(|t| t.iter().map(|v| num(*v)).collect::<Vec<_>>().join(" "))
                .unwrap_or_default(),
        )
    });
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let remove = {
        let office = office.clone();
        let (id, question) = (c.id, lang.t("office.priorities.remove_confirm"));
        Callback::from(move |_: MouseEvent| {
            let sure = web_sys::window()
                .and_then(|w| w.confirm_with_message(question).ok())
                .unwrap_or(false);
            if !sure {
                return;
            }
            let token = office.token.clone();
            office.act(
                "office.priorities.done.removed",
                async move {
                    let path = format!("/api/priorities/criteria/{id}");
                    office::send::<(), PriorityDone>("DELETE", &token, &path, None).await
                },
                |_| {},
            );
        })
    };
    if !*open {
        return html! {
            <span class="row-actions">
                <button type="button" class="btn secondary small" data-test="edit-criterion" onclick={toggle}>{ lang.t("office.edit") }</button>
                <button type="button" class="btn danger-quiet small" data-test="remove-criterion" disabled={office.busy} onclick={remove}>{ lang.t("office.priorities.remove") }</button>
            </span>
        };
    }
    let set = |i: usize| {
        let fields = fields.clone();
        Callback::from(move |e: InputEvent| {
            let mut f = (*fields).clone();
            let v = input_value(&e);
            match i {
                0 => f.0 = v,
                1 => f.1 = v,
                _ => f.2 = v,
            }
            fields.set(f);
        })
    };
    let submit = {
        let (office, fields, open) = (office.clone(), fields.clone(), open.clone());
        let (id, computed) = (c.id, c.measure.is_computed());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let t: Vec<f64> = fields
                .2
                .split_whitespace()
                .filter_map(|v| v.replace(',', ".").parse().ok())
                .collect();
            let body = CriterionInput {
                name_ar: Some(fields.0.clone()),
                name_fr: Some(fields.1.clone()),
                thresholds: if computed {
                    <[f64; 4]>::try_from(t).ok()
                } else {
                    None
                },
                ..Default::default()
            };
            let token = office.token.clone();
            let open = open.clone();
            office.act(
                "office.priorities.done.edited",
                async move {
                    let path = format!("/api/priorities/criteria/{id}");
                    office::send::<_, PriorityDone>("PUT", &token, &path, Some(&body)).await
                },
                move |_| open.set(false),
            );
        })
    };
    html! {
        <form class="criterion-edit" data-test="criterion-form" onsubmit={submit}>
            <input type="text" dir="rtl" value={fields.0.clone()} oninput={set(0)} aria-label={lang.t("office.priorities.name_ar")} />
            <input type="text" dir="ltr" value={fields.1.clone()} oninput={set(1)} aria-label={lang.t("office.priorities.name_fr")} />
            if c.measure.is_computed() {
                <input type="text" dir="ltr" data-test="thresholds" value={fields.2.clone()} oninput={set(2)}
                    aria-label={lang.t("office.priorities.thresholds")} title={lang.t("office.priorities.thresholds")} />
            }
            <button type="submit" class="btn primary small" disabled={office.busy}>{ lang.t("office.save") }</button>
            <button type="button" class="btn secondary small" onclick={toggle}>{ lang.t("office.priorities.cancel") }</button>
        </form>
    }
}

/// The bureau adds a criterion.
#[component]
fn NewCriterion() -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let fields = use_state(|| {
        (
            String::new(),
            String::new(),
            "entered".to_string(),
            "10".to_string(),
        )
    });
    let set = |i: usize| {
        let fields = fields.clone();
        Callback::from(move |v: String| {
            let mut f = (*fields).clone();
            match i {
                0 => f.0 = v,
                1 => f.1 = v,
                2 => f.2 = v,
                _ => f.3 = v,
            }
            fields.set(f);
        })
    };
    let submit = {
        let (office, fields) = (office.clone(), fields.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = CriterionInput {
                name_ar: Some(fields.0.clone()),
                name_fr: Some(fields.1.clone()),
                measure: Measure::from_code(&fields.2),
                weight: fields.3.trim().parse().ok(),
                thresholds: None,
            };
            let token = office.token.clone();
            let fields = fields.clone();
            office.act(
                "office.priorities.done.added",
                async move {
                    office::send::<_, PriorityDone>(
                        "POST",
                        &token,
                        "/api/priorities/criteria",
                        Some(&body),
                    )
                    .await
                },
                move |_| fields.set((String::new(), String::new(), "entered".into(), "10".into())),
            );
        })
    };
    let text = |i: usize| set(i).reform(|e: InputEvent| input_value(&e));
    html! {
        <form class="new-criterion" data-test="new-criterion" onsubmit={submit}>
            <input type="text" dir="rtl" required=true value={fields.0.clone()} oninput={text(0)}
                placeholder={lang.t("office.priorities.name_ar")} data-test="new-criterion-ar" />
            <input type="text" dir="ltr" value={fields.1.clone()} oninput={text(1)}
                placeholder={lang.t("office.priorities.name_fr")} />
            <select onchange={set(2).reform(|e: Event| select_value(&e))} aria-label={lang.t("office.priorities.measure")}>
                { for Measure::ALL.iter().map(|m| html! {
                    <option value={m.code().to_string()} selected={m.code() == fields.2}>{ lang.t(measure_key(m)) }</option>
                }) }
            </select>
            <input type="number" min="0" max="100" class="weight" value={fields.3.clone()} oninput={text(3)}
                aria-label={lang.t("office.priorities.weight")} />
            <button type="submit" class="btn secondary small" disabled={office.busy || fields.0.trim().is_empty()}>
                { lang.t("office.priorities.add") }
            </button>
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct MeansProps {
    settings: PrioritySettings,
}

/// The commune's yearly means, which the cost criterion divides by.
#[component]
fn MeansForm(props: &MeansProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let text = use_state(|| {
        props
            .settings
            .yearly_means
            .map(|m| m.to_string())
            .unwrap_or_default()
    });
    let bad = use_state(|| false);
    let submit = {
        let (office, text, bad) = (office.clone(), text.clone(), bad.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let yearly_means = if text.trim().is_empty() {
                None
            } else {
                match parse_mad(&text) {
                    Ok(m) => Some(m),
                    Err(_) => {
                        bad.set(true);
                        return;
                    }
                }
            };
            bad.set(false);
            let token = office.token.clone();
            let body = PrioritySettings { yearly_means };
            office.act(
                "office.priorities.done.means",
                async move {
                    office::send::<_, PriorityDone>(
                        "PUT",
                        &token,
                        "/api/priorities/settings",
                        Some(&body),
                    )
                    .await
                },
                |_| {},
            );
        })
    };
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| text.set(input_value(&e)))
    };
    html! {
        <form class="means-form" data-test="means-form" onsubmit={submit}>
            <label>
                <span>{ lang.t("office.priorities.yearly_means") }</span>
                <input type="text" dir="ltr" inputmode="decimal" value={(*text).clone()} {oninput} data-test="yearly-means" />
            </label>
            <button type="submit" class="btn secondary small" disabled={office.busy}>{ lang.t("office.save") }</button>
            if *bad {
                <p class="notice warn" role="alert">{ lang.t("office.project.bad_amount") }</p>
            }
        </form>
    }
}

#[derive(Properties, PartialEq)]
struct ApprovalProps {
    approval: Option<Approval>,
    may_approve: bool,
}

/// The latest approval (who, when, still current or not) and the bureau's approve button.
#[component]
fn ApprovalPart(props: &ApprovalProps) -> Html {
    let (_, lang) = use_model();
    let office = use_office();
    let note = use_state(String::new);
    let approve = {
        let (office, note) = (office.clone(), note.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let body = ApproveInput {
                note: (*note).clone(),
            };
            let token = office.token.clone();
            let note = note.clone();
            office.act(
                "office.priorities.done.approved",
                async move {
                    office::send::<_, Approval>(
                        "POST",
                        &token,
                        "/api/priorities/approve",
                        Some(&body),
                    )
                    .await
                },
                move |_| note.set(String::new()),
            );
        })
    };
    let state = match &props.approval {
        None => {
            html! { <p class="muted" data-test="approval">{ lang.t("office.priorities.not_approved") }</p> }
        }
        Some(a) => html! {
            <p data-test="approval" data-current={a.current.to_string()}>
                { lang.tf("office.priorities.approved_by", &[
                    ("who", a.username.as_deref().unwrap_or("—")),
                    ("when", &show_time(epoch_ms(a.at))),
                ]) }
                if !a.note.is_empty() { { " " }<q dir="auto">{ &a.note }</q> }
                { " " }
                if a.current {
                    <span class="tag ok">{ lang.t("office.priorities.approved_current") }</span>
                } else {
                    <span class="tag warn">{ lang.t("office.priorities.approved_stale") }</span>
                }
            </p>
        },
    };
    let oninput = {
        let note = note.clone();
        Callback::from(move |e: InputEvent| note.set(input_value(&e)))
    };
    html! {
        <section class="approval">
            { state }
            if props.may_approve {
                <form class="approve-form" onsubmit={approve}>
                    <input type="text" dir="auto" value={(*note).clone()} {oninput}
                        placeholder={lang.t("office.priorities.approve_note")} />
                    <button type="submit" class="btn primary small" data-test="approve" disabled={office.busy}>
                        { lang.t("office.priorities.approve") }
                    </button>
                </form>
            }
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct LogProps {
    priorities: std::rc::Rc<Priorities>,
}

/// The latest changes; the latest one not undone has its undo, for whoever may make it again.
#[component]
fn LogPart(props: &LogProps) -> Html {
    let (_, lang) = use_model();
    let office: Office = use_office();
    let log = &props.priorities.log;
    let undoable = log
        .iter()
        .find(|a| a.kind != "undo" && !a.undone)
        .map(|a| a.id);
    let items = log.iter().map(|a| {
        let allowed = office.can(if a.kind == "score" {
            Action::EnterScores
        } else {
            Action::EditCriteria
        });
        let undo = (Some(a.id) == undoable && allowed).then(|| {
            let busy = office.busy;
            let office = office.clone();
            let id = a.id;
            let onclick = Callback::from(move |_: MouseEvent| {
                let token = office.token.clone();
                office.act(
                    "office.done.undone",
                    async move {
                        let path = format!("/api/priorities/actions/{id}/undo");
                        office::send::<(), PriorityDone>("POST", &token, &path, None).await
                    },
                    |_| {},
                );
            });
            html! {
                <button type="button" class="btn secondary small" data-test="priority-undo"
                    disabled={busy} {onclick}>{ lang.t("office.undo") }</button>
            }
        });
        html! {
            <li data-test="priority-action" class={classes!(a.undone.then_some("undone"))}>
                <span class="when">{ show_time(epoch_ms(a.at)) }</span>
                <span class="who">{ a.username.clone().unwrap_or_default() }</span>
                <span class="what" dir="auto">{ &a.detail }</span>
                { for undo }
            </li>
        }
    });
    html! {
        <section class="priority-log" data-test="priority-log">
            <h2>{ lang.t("office.priorities.log") }</h2>
            if log.is_empty() {
                <p class="muted">{ lang.t("office.priorities.log_empty") }</p>
            }
            <ul>{ for items }</ul>
        </section>
    }
}

#[derive(Properties, PartialEq)]
pub struct ProjectRankProps {
    pub id: i64,
}

/// A project's rank and its reasons, on its sheet.
#[component]
pub fn ProjectRank(props: &ProjectRankProps) -> Html {
    let (_, lang) = use_model();
    let data = use_get::<tachkhis_shared::api::priorities::ProjectPriority>(Some(format!(
        "/api/priorities/projects/{}",
        props.id
    )));
    let Some(p) = data.data.as_ref() else {
        return html! {};
    };
    let reasons = p.row.scores.iter().filter_map(|s| {
        let c = p.criteria.iter().find(|c| c.id == s.criterion_id)?;
        let why = match (&s.trace.entered, s.trace.figure) {
            (Some(e), _) => e.reason.clone(),
            (None, Some(f)) => format!("{} {}", lang.t(measure_key(&c.measure)), num(f)),
            (None, None) => lang.t("office.priorities.no_figure").to_string(),
        };
        Some(html! {
            <tr>
                <td class="text" dir="auto">{ lang.pick(&c.name_ar, &c.name_fr).to_string() }</td>
                <td class="num">{ c.weight }</td>
                <td class="num">{ s.score.map(|v| v.to_string()).unwrap_or("–".into()) }</td>
                <td class="text" dir="auto">{ why }</td>
            </tr>
        })
    });
    html! {
        <section class="trace project-rank" data-test="project-rank">
            <h2>{ lang.t("office.priorities.title") }</h2>
            <p class="rank-line">
                <strong>{ lang.tf("office.priorities.rank_of", &[
                    ("rank", &p.row.rank.to_string()),
                    ("of", &p.of.to_string()),
                ]) }</strong>
                if p.row.tied { { " " }<span class="tag">{ lang.t("office.priorities.tied") }</span> }
                { " " }{ lang.tf("office.priorities.total_mean", &[
                    ("total", &p.row.total.to_string()),
                    ("mean", &format!("{:.2}", p.row.mean)),
                ]) }
                if p.row.illustrative { { " " }<span class="tag warn">{ lang.t("office.priorities.illustrative_tag") }</span> }
            </p>
            <table class="grid compact">
                <thead><tr>
                    <th>{ lang.t("office.priorities.criterion") }</th>
                    <th class="num">{ lang.t("office.priorities.weight") }</th>
                    <th class="num">{ lang.t("office.priorities.score") }</th>
                    <th>{ lang.t("office.priorities.why") }</th>
                </tr></thead>
                <tbody>{ for reasons }</tbody>
            </table>
            <Link to={Route::OfficePriorities}>{ lang.t("office.priorities.open") }</Link>
        </section>
    }
}
