//! The follow-up's demo data (issue 15, exec), loaded by `demo::load_if_empty` after the
//! programme.
//!
//! The seed's six projects get their funding sources and statuses from the programme import's
//! `funding_source`/`status` columns (`demo/projects.csv`, read by `execution::legacy` the way
//! an office's file is): exactly what `projects-known.csv` says, no amount (the seed gives
//! none). Here: the partnership agreement of project 14 with the Al Farah association (Ouled
//! Skir), which the seed names without its reference, date or amounts (left unknown); and,
//! marked `illustrative = 1`, a few placeholder projects' execution over 2023-2026 so that the
//! dashboards have figures: mixed statuses, one suspended with its reason, one over its
//! programmed amount with the exception's reason, a timeline entry and an indicator value.

use rusqlite::{OptionalExtension, Transaction};
use tachkhis_shared::{
    api::execution::{
        AgreementInput, AmountLine, ExecutionRecordInput, FundingLine, IndicatorValueInput,
        TimelineEntryInput,
    },
    codes::{ExecutionStatus, FundingKind},
    money::Mad,
};

use super::{agreements, records, timeline, values};
use crate::http::error::{AppError, AppResult};

fn project_id(tx: &Transaction<'_>, number: i64) -> AppResult<i64> {
    tx.query_row("SELECT id FROM projects WHERE number = ?1", [number], |r| {
        r.get(0)
    })
    .optional()?
    .ok_or_else(|| AppError::internal(format!("demo: no project {number}")))
}

fn mad(s: &str) -> Mad {
    s.parse().unwrap_or_default()
}

fn source(kind: FundingKind, year: i32) -> FundingLine {
    FundingLine {
        kind,
        budget_year: Some(year),
        agreement_id: None,
        label: String::new(),
        amount: None,
    }
}

/// An illustrative year: commune amounts only.
#[allow(clippy::too_many_arguments)]
fn year(
    year: i32,
    status: ExecutionStatus,
    reason: &str,
    exception: Option<&str>,
    amounts: (&str, &str, &str),
    funding: FundingLine,
    dates: (Option<&str>, Option<&str>),
) -> ExecutionRecordInput {
    ExecutionRecordInput {
        year,
        status,
        status_reason: reason.into(),
        amount_exception: exception.map(str::to_string),
        start_date: dates.0.map(str::to_string),
        end_date: dates.1.map(str::to_string),
        provisional_reception: None,
        final_reception: None,
        note: "بيانات توضيحية / données illustratives".into(),
        amounts: vec![AmountLine {
            partner_id: None,
            programmed: mad(amounts.0),
            committed: mad(amounts.1),
            paid: mad(amounts.2),
        }],
        funding: vec![funding],
    }
}

pub fn load_demo(tx: &Transaction<'_>) -> AppResult<()> {
    // Project 14: the seed's agreement with the Al Farah association, Ouled Skir.
    tx.execute(
        "INSERT INTO partners (name_ar, name_fr, kind) VALUES ('جمعية الفرح', 'Association Al Farah', 'association')",
        [],
    )?;
    let al_farah = tx.last_insert_rowid();
    let p14 = project_id(tx, 14)?;
    agreements::write(
        tx,
        None,
        None,
        &AgreementInput {
            partner_id: al_farah,
            reference: String::new(),
            signed_on: None,
            object_ar: "المساهمة في تأهيل مشاريع الماء الصالح للشرب بأولاد سكير".into(),
            object_fr: "Contribution à la mise à niveau de l'eau potable à Ouled Skir".into(),
            amount: None,
            commune_amount: None,
            commune_obligations: String::new(),
            partner_obligations: String::new(),
            project_ids: vec![p14],
            attachment_id: None,
        },
        false,
    )?;

    // Illustrative execution of placeholder projects, 2023-2026.
    use ExecutionStatus::*;
    use FundingKind::*;
    let plan: Vec<(i64, ExecutionRecordInput)> = vec![
        (
            1,
            year(
                2023,
                Executed,
                "",
                None,
                ("1800000", "1750000", "1750000"),
                source(ActualSurplus, 2022),
                (Some("2023-03-01"), Some("2023-11-30")),
            ),
        ),
        (
            2,
            year(
                2024,
                UnderWay,
                "",
                None,
                ("1500000", "1200000", "600000"),
                source(Budget, 2024),
                (Some("2024-04-15"), None),
            ),
        ),
        (
            2,
            year(
                2025,
                UnderWay,
                "",
                None,
                ("397272.72", "300000", "250000"),
                source(Budget, 2025),
                (Some("2024-04-15"), None),
            ),
        ),
        (
            5,
            year(
                2025,
                Suspended,
                "توقف الأشغال في انتظار تسوية الوضعية العقارية للأرض",
                None,
                ("1000000", "400000", "150000"),
                source(EstimatedSurplus, 2025),
                (Some("2025-02-01"), None),
            ),
        ),
        (
            15,
            year(
                2024,
                Executed,
                "",
                Some("أشغال إضافية طارئة بعد فيضان الوادي، صادق عليها المجلس في دورة استثنائية"),
                ("900000", "1050000", "1050000"),
                source(Budget, 2024),
                (Some("2024-01-10"), Some("2024-09-30")),
            ),
        ),
        (
            26,
            year(
                2025,
                AwaitingExecution,
                "",
                None,
                ("600000", "0", "0"),
                source(ActualSurplus, 2024),
                (None, None),
            ),
        ),
        (
            30,
            year(
                2026,
                Planned,
                "",
                None,
                ("750000", "0", "0"),
                source(Budget, 2026),
                (None, None),
            ),
        ),
        (
            40,
            year(
                2023,
                Dropped,
                "تخلى عنه المجلس لعدم توفر العقار",
                None,
                ("0", "0", "0"),
                source(Budget, 2023),
                (None, None),
            ),
        ),
    ];
    for (number, input) in &plan {
        let id = project_id(tx, *number)?;
        records::write(tx, None, None, id, input, true)?;
    }
    let p5 = project_id(tx, 5)?;
    timeline::write(
        tx,
        None,
        None,
        p5,
        &TimelineEntryInput {
            happened_on: "2025-06-12".into(),
            text_ar: "زيارة ميدانية: الأشغال متوقفة، والملف العقاري لدى المصالح المختصة".into(),
            text_fr: "Visite de terrain : travaux arrêtés, dossier foncier auprès des services"
                .into(),
            attachment_ids: Vec::new(),
        },
        true,
    )?;
    // An illustrative value reached by project 3's first indicator (road tracks, km).
    let indicator: Option<i64> = tx
        .query_row(
            "SELECT i.id FROM project_indicators i JOIN projects p ON p.id = i.project_id
             WHERE p.number = 3 ORDER BY i.position LIMIT 1",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(i) = indicator {
        values::set(
            tx,
            None,
            i,
            2024,
            &IndicatorValueInput {
                value: "2,5".into(),
                note: "قيمة توضيحية / valeur illustrative".into(),
            },
            true,
        )?;
    }
    Ok(())
}
