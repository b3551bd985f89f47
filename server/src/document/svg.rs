//! The document's charts, drawn by the server as inline SVG (no script, nothing to load):
//! horizontal bars, labels on the reading side: on the right with bars growing leftwards in
//! Arabic, mirrored in French. Colours come from the stylesheet's classes (`bar women`…).
//!
//! Positions are computed here in the visual sense, so the root sets `direction="ltr"`:
//! `text-anchor` then means left or right edge whatever the page's direction (an inline SVG
//! would otherwise inherit `rtl` and swap them).

use std::fmt::Write;

use tachkhis_shared::api::gender::{GenderRow, Participation};

use super::html::{Lang, esc};

const WIDTH: f64 = 640.0;
const LABEL: f64 = 190.0;
const VALUE: f64 = 70.0;
const BAR: f64 = 11.0;
const GAP: f64 = 9.0;

/// One bar of a row: its class, value and the text written beside it.
pub(crate) struct Bar {
    pub(crate) class: &'static str,
    pub(crate) value: i64,
    pub(crate) text: String,
}

pub(crate) struct Row {
    pub(crate) label: String,
    pub(crate) bars: Vec<Bar>,
}

/// `shared_scale`: every bar on one scale (women and men present); otherwise each series (the
/// n-th bar of the rows) on its own, as proposals outnumber needs a hundredfold.
pub(crate) fn chart(
    rows: &[Row],
    legend: &[(&'static str, &str)],
    shared_scale: bool,
    l: Lang,
    test: &str,
) -> String {
    let series = rows.first().map_or(0, |r| r.bars.len());
    let max_of = |j: Option<usize>| -> f64 {
        rows.iter()
            .flat_map(|r| {
                r.bars
                    .iter()
                    .enumerate()
                    .filter(move |(i, _)| j.is_none_or(|j| *i == j))
                    .map(|(_, b)| b.value)
            })
            .max()
            .unwrap_or(0)
            .max(1) as f64
    };
    let maxes: Vec<f64> = (0..series)
        .map(|j| max_of(if shared_scale { None } else { Some(j) }))
        .collect();
    let per_row = rows.first().map_or(1, |r| r.bars.len().max(1)) as f64;
    let row_h = per_row * BAR + GAP;
    let legend_h = if legend.is_empty() { 0.0 } else { 22.0 };
    let height = legend_h + rows.len() as f64 * row_h + 4.0;
    let span = WIDTH - LABEL - VALUE;
    let rtl = l == Lang::Ar;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart-svg\" data-test=\"{test}\" \
         viewBox=\"0 0 {WIDTH} {height}\" width=\"{WIDTH}\" height=\"{height}\" \
         direction=\"ltr\" role=\"img\">"
    );
    // Legend on the reading side's start.
    let mut x = if rtl { WIDTH } else { 0.0 };
    for (class, text) in legend {
        let w = 16.0 + 7.0 * text.chars().count() as f64;
        let (sx, tx, anchor) = if rtl {
            (x - 10.0, x - 14.0, "end")
        } else {
            (x, x + 14.0, "start")
        };
        let _ = write!(
            o,
            "<rect class=\"bar {class}\" x=\"{sx}\" y=\"4\" width=\"10\" height=\"10\"/>\
             <text class=\"legend\" x=\"{tx}\" y=\"13\" text-anchor=\"{anchor}\">{}</text>",
            esc(text)
        );
        x = if rtl { x - w - 10.0 } else { x + w + 10.0 };
    }
    for (i, r) in rows.iter().enumerate() {
        let top = legend_h + i as f64 * row_h;
        let mid = top + per_row * BAR / 2.0 + 4.0;
        let (lx, anchor) = if rtl {
            (WIDTH - 4.0, "end")
        } else {
            (4.0, "start")
        };
        let _ = write!(
            o,
            "<g data-test=\"chart-row\"><text class=\"label\" x=\"{lx}\" y=\"{mid:.1}\" text-anchor=\"{anchor}\">{}</text>",
            esc(&r.label)
        );
        for (j, b) in r.bars.iter().enumerate() {
            let y = top + j as f64 * BAR;
            let w = (b.value as f64 / maxes[j] * span).max(if b.value > 0 { 1.0 } else { 0.0 });
            let (bx, vx, vanchor) = if rtl {
                let right = WIDTH - LABEL;
                (right - w, right - w - 4.0, "end")
            } else {
                (LABEL, LABEL + w + 4.0, "start")
            };
            let _ = write!(
                o,
                "<rect class=\"bar {}\" x=\"{bx:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{}\" data-value=\"{}\"/>\
                 <text class=\"value\" x=\"{vx:.1}\" y=\"{:.1}\" text-anchor=\"{vanchor}\">{}</text>",
                b.class,
                BAR - 2.0,
                b.value,
                y + BAR - 3.0,
                esc(&b.text)
            );
        }
        o.push_str("</g>");
    }
    o.push_str("</svg>");
    o
}

/// Women and men present, per pole.
pub fn participation(poles: &[Participation], l: Lang) -> String {
    let rows: Vec<Row> = poles
        .iter()
        .map(|p| Row {
            label: l.t(&p.name_ar, &p.name_fr).to_string(),
            bars: vec![
                Bar {
                    class: "women",
                    value: p.women,
                    text: p.women.to_string(),
                },
                Bar {
                    class: "men",
                    value: p.men,
                    text: p.men.to_string(),
                },
            ],
        })
        .collect();
    chart(
        &rows,
        &[
            ("women", l.t("النساء", "Femmes")),
            ("men", l.t("الرجال", "Hommes")),
        ],
        true,
        l,
        "svg-participation",
    )
}

/// Live proposals and alive needs per sector (sectors where a proposal was made), each series
/// on its own scale.
pub fn sectors(by_sector: &[GenderRow], l: Lang) -> String {
    let rows: Vec<Row> = by_sector
        .iter()
        .filter(|s| s.proposals.total() > 0)
        .map(|s| {
            let label = if s.key.is_empty() {
                l.t("بدون قطاع", "sans secteur").to_string()
            } else {
                l.t(&s.name_ar, &s.name_fr).to_string()
            };
            Row {
                label,
                bars: vec![
                    Bar {
                        class: "proposals",
                        value: s.proposals.total(),
                        text: s.proposals.total().to_string(),
                    },
                    Bar {
                        class: "needs",
                        value: s.needs_total,
                        text: s.needs_total.to_string(),
                    },
                ],
            }
        })
        .collect();
    chart(
        &rows,
        &[
            ("proposals", l.t("المقترحات", "Propositions")),
            ("needs", l.t("الحاجيات", "Besoins")),
        ],
        false,
        l,
        "svg-sectors",
    )
}

// The follow-up's dashboards (issue 15, dash): the amounts of each view's lines.

/// Programmed, committed and paid per line of a dashboard's view, on one scale (whole dirhams),
/// each bar's text the exact amount.
pub fn execution_amounts(
    rows: &[tachkhis_shared::api::dashboard::DashboardRow],
    l: Lang,
    test: &str,
) -> String {
    use rust_decimal::prelude::ToPrimitive;
    let bar = |class: &'static str, m: &tachkhis_shared::money::Mad| Bar {
        class,
        value: m.0.trunc().to_i64().unwrap_or(i64::MAX),
        text: m.format_fr(),
    };
    let rows: Vec<Row> = rows
        .iter()
        .map(|r| Row {
            label: l.t(&r.label_ar, &r.label_fr).to_string(),
            bars: vec![
                bar("programmed", &r.programmed),
                bar("committed", &r.committed),
                bar("paid", &r.paid),
            ],
        })
        .collect();
    chart(
        &rows,
        &[
            ("programmed", l.t("المبرمج", "Programmé")),
            ("committed", l.t("الملتزم به", "Engagé")),
            ("paid", l.t("المؤدى", "Payé")),
        ],
        true,
        l,
        test,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tachkhis_shared::api::gender::ByGroup;

    fn pole(name: &str, women: i64, men: i64) -> Participation {
        Participation {
            pole_id: name.into(),
            name_ar: name.into(),
            name_fr: name.into(),
            unknown: false,
            women,
            men,
            youth_women: 0,
            youth_men: 0,
            disabled_women: 0,
            disabled_men: 0,
            sessions: ByGroup::default(),
        }
    }

    /// The longest bar spans the whole bar area, from the label's side: the right in Arabic,
    /// the left in French.
    #[test]
    fn bars_grow_from_the_reading_side() {
        let poles = [pole("a", 10, 5), pole("b", 2, 0)];
        let fr = participation(&poles, Lang::Fr);
        assert!(
            fr.contains(&format!("x=\"{LABEL:.1}\" y=\"22.0\" width=\"380.0\"")),
            "{fr}"
        );
        let ar = participation(&poles, Lang::Ar);
        let right = WIDTH - LABEL;
        assert!(
            ar.contains(&format!(
                "x=\"{:.1}\" y=\"22.0\" width=\"380.0\"",
                right - 380.0
            )),
            "{ar}"
        );
        // A zero draws nothing.
        assert!(ar.contains("width=\"0.0\""));
        assert_eq!(ar.matches("data-test=\"chart-row\"").count(), 2);
    }
}
