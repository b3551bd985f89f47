//! The demo's bodies and opinions. The three standing committees a commune must have (Law
//! 113.14 art. 25) and its IEECAG (art. 120); the demo user `committee` chairs the first,
//! `ieecag` the IEECAG. The seed gives no opinion: those on version 1 are made up, plausible
//! for its named projects, dated within the committees' period (December 2022 - January 2023)
//! and marked illustrative, as are the office's answers to the reservations.

use rusqlite::{OptionalExtension, Transaction, params};

use crate::http::error::{AppError, AppResult};

const BODIES: &[(&str, &str, &str)] = &[
    (
        "committee",
        "لجنة الميزانية والشؤون المالية والبرمجة",
        "Commission du budget, des affaires financières et de la programmation",
    ),
    (
        "committee",
        "لجنة المرافق العمومية والخدمات",
        "Commission des services et équipements publics",
    ),
    (
        "committee",
        "لجنة التنمية الاقتصادية والاجتماعية والثقافية والبيئية",
        "Commission du développement économique, social, culturel et environnemental",
    ),
    (
        "ieecag",
        "هيئة المساواة وتكافؤ الفرص ومقاربة النوع",
        "Instance de l'équité, de l'égalité des chances et de l'approche genre",
    ),
];

/// (body index, project number or 0 for the programme, verdict, text, date, answer: outcome
/// and why).
type DemoOpinion = (
    usize,
    i64,
    &'static str,
    &'static str,
    &'static str,
    Option<(&'static str, &'static str)>,
);

const OPINIONS: &[DemoOpinion] = &[
    (
        0,
        0,
        "favourable",
        "تبدي اللجنة رأيا إيجابيا في مشروع برنامج عمل الجماعة، مع الحرص على ملاءمة البرمجة \
         المالية للسنوات الثلاث الأولى مع الإمكانيات المتوقعة للجماعة.",
        "2023-01-10",
        None,
    ),
    (
        0,
        4,
        "reservations",
        "كلفة المنشأة الفنية على واد اسن غير محددة، والدراسة التقنية لم تنجز بعد: توصي اللجنة \
         بإنجاز الدراسة وتحديد الكلفة قبل برمجة المشروع في السنة الأولى.",
        "2023-01-10",
        Some((
            "changed",
            "أضيفت الدراسة التقنية كشرط مسبق، وأرجئت برمجة الأشغال إلى السنة الثانية في انتظار \
             تحديد الكلفة.",
        )),
    ),
    (
        0,
        3,
        "reservations",
        "تمويل المسالك من الفائض التقديري لسنة 2023 غير مؤكد؛ تطلب اللجنة تحديد حصة الشركاء.",
        "2023-01-10",
        Some((
            "kept",
            "أبقي على التمويل كما هو: الفائض الحقيقي لسنة 2022 يغطي الشطر الأول، وسيحين التمويل \
             عند حصر الحساب الإداري.",
        )),
    ),
    (
        1,
        0,
        "favourable",
        "تثمن اللجنة إدراج مشاريع الماء الصالح للشرب والمسالك ضمن أولويات البرنامج.",
        "2023-01-12",
        None,
    ),
    (
        1,
        14,
        "reservations",
        "توصي اللجنة بتحديد الدواوير المستفيدة من تأهيل شبكات الماء الصالح للشرب بالاسم.",
        "2023-01-12",
        Some((
            "changed",
            "أضيفت لائحة الدواوير المستفيدة إلى بطاقة المشروع بعد التشاور مع المصالح الخارجية.",
        )),
    ),
    (
        2,
        0,
        "favourable",
        "رأي إيجابي، مع الدعوة إلى تعزيز المشاريع المدرة للدخل في تحيين البرنامج.",
        "2023-01-16",
        None,
    ),
    (
        3,
        0,
        "favourable",
        "تسجل الهيئة أن التشخيص التشاركي شمل جلسات خاصة بالنساء والشباب، وتبدي رأيا إيجابيا في \
         البرنامج.",
        "2023-01-18",
        None,
    ),
    (
        3,
        24,
        "reservations",
        "توصي الهيئة بتخصيص فضاءات وأوقات لفائدة النساء والفتيات في مركب القرب بدوار ادوز، \
         وبولوجيات للأشخاص في وضعية إعاقة.",
        "2023-01-18",
        Some((
            "changed",
            "أدرجت في بطاقة المشروع قاعة متعددة الاختصاصات للنساء والفتيات وولوجيات للأشخاص في \
             وضعية إعاقة.",
        )),
    ),
    (
        3,
        37,
        "favourable",
        "تدعم الهيئة إحداث الخزانة الجماعية لفائدة التلميذات والتلاميذ.",
        "2023-01-18",
        None,
    ),
];

/// Unix seconds at 10:00 UTC of a demo date (the opinions' dates are all Dec 2022 - Jan 2023).
fn at(date: &str) -> i64 {
    match date {
        "2023-01-10" => 1_673_344_800,
        "2023-01-12" => 1_673_517_600,
        "2023-01-16" => 1_673_863_200,
        "2023-01-18" => 1_674_036_000,
        _ => 1_674_554_400,
    }
}

fn user(tx: &Transaction<'_>, username: &str) -> AppResult<Option<i64>> {
    Ok(tx
        .query_row(
            "SELECT id FROM users WHERE username = ?1",
            [username],
            |r| r.get(0),
        )
        .optional()?)
}

/// The bodies, their members, and illustrative opinions on version 1 with the office's
/// answers. Called by `demo::load_if_empty` after the demo users exist.
pub fn load_demo(tx: &Transaction<'_>) -> AppResult<()> {
    let mut ids = Vec::new();
    for (i, (kind, ar, fr)) in BODIES.iter().enumerate() {
        tx.execute(
            "INSERT INTO bodies (kind, name_ar, name_fr, position, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![kind, ar, fr, i as i64 + 1, at("2022-12-20")],
        )?;
        ids.push(tx.last_insert_rowid());
    }
    let committee = user(tx, "committee")?;
    let ieecag = user(tx, "ieecag")?;
    let office = user(tx, "office")?;
    for (body, member) in [(ids[0], committee), (ids[3], ieecag)] {
        if let Some(m) = member {
            tx.execute(
                "INSERT INTO body_members (body_id, user_id, is_chair) VALUES (?1, ?2, 1)",
                params![body, m],
            )?;
        }
    }
    let version: i64 = tx
        .query_row("SELECT id FROM pac_versions WHERE number = 1", [], |r| {
            r.get(0)
        })
        .map_err(|e| AppError::internal(format!("demo opinions: version 1: {e}")))?;
    for (body, number, verdict, text, date, answer) in OPINIONS {
        let project: Option<(i64, i64, String)> = if *number == 0 {
            None
        } else {
            Some(
                tx.query_row(
                    "SELECT id, number, title_ar FROM projects WHERE number = ?1",
                    [number],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .map_err(|e| AppError::internal(format!("demo opinions: project {number}: {e}")))?,
            )
        };
        // The demo users sit in the first committee and the IEECAG; the others' opinions have
        // no writer in the demo.
        let writer = match body {
            0 => committee,
            3 => ieecag,
            _ => None,
        };
        tx.execute(
            "INSERT INTO opinions (version_id, body_id, project_id, project_number, project_title,
                                   verdict, text, date, written_by, written_at, illustrative)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1)",
            params![
                version,
                ids[*body],
                project.as_ref().map(|p| p.0),
                project.as_ref().map(|p| p.1),
                project.as_ref().map(|p| p.2.clone()),
                verdict,
                text,
                date,
                writer,
                at(date)
            ],
        )?;
        let opinion = tx.last_insert_rowid();
        if let Some((outcome, why)) = answer {
            tx.execute(
                "INSERT INTO reservation_answers (opinion_id, outcome, text, answered_by,
                                                  answered_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![opinion, outcome, why, office, at("2023-01-24")],
            )?;
        }
    }
    Ok(())
}
