//! Tables out as CSV or XLSX: one [`Table`] shape written by [`Table::to_csv`] or
//! [`Table::to_xlsx`], and the exports of proposals, needs and projects built as tables.
//!
//! Money is exact in both: the decimal's text ("20870000.00") in CSV; in XLSX a number with a
//! two-decimal format (an f64 holds every centime exactly below 90 thousand billion MAD).

use std::collections::BTreeMap;
use tachkhis_shared::codes::ErrorCode;

use axum::{
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use rusqlite::Transaction;
use rust_xlsxwriter::{Format as XlsxFormat, Workbook};
use tachkhis_shared::{GroupKind, money::Mad};

use crate::http::error::{AppError, AppResult};

/// Tables with more rows than this are written in rust_xlsxwriter's constant-memory mode
/// (rows streamed to a temporary file instead of held in memory).
const CONSTANT_MEMORY_ROWS: usize = 5_000;

#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Money(Mad),
    /// 1 or 0 in CSV, a number in XLSX.
    Flag(bool),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn opt_text(s: Option<String>) -> Cell {
        s.map_or(Cell::Empty, Cell::Text)
    }

    pub fn opt_int(v: Option<i64>) -> Cell {
        v.map_or(Cell::Empty, Cell::Int)
    }

    pub fn opt_money(v: Option<Mad>) -> Cell {
        v.map_or(Cell::Empty, Cell::Money)
    }

    fn csv_text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Int(i) => i.to_string(),
            Cell::Money(m) => m.to_string(),
            Cell::Flag(b) => if *b { "1" } else { "0" }.to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub cells: Vec<Cell>,
    /// A subtotal or total line (bold in XLSX).
    pub total: bool,
}

impl Row {
    pub fn new(cells: Vec<Cell>) -> Row {
        Row {
            cells,
            total: false,
        }
    }
}

/// A named table with a header line.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    /// File name stem (ASCII) and sheet name.
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Row>,
    /// The XLSX sheet reads right to left (Arabic content).
    pub right_to_left: bool,
}

/// The two file formats of exports and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Xlsx,
}

impl FileFormat {
    /// `csv` or `xlsx` (any case); anything else is a 400.
    pub fn parse(s: &str) -> AppResult<FileFormat> {
        match s.to_ascii_lowercase().as_str() {
            "csv" => Ok(FileFormat::Csv),
            "xlsx" => Ok(FileFormat::Xlsx),
            _ => Err(AppError::bad_request(
                ErrorCode::BadFormat,
                format!("unknown format '{s}': use csv or xlsx"),
            )),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileFormat::Csv => "csv",
            FileFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            FileFormat::Csv => "text/csv; charset=utf-8",
            FileFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl Table {
    pub fn new(name: &str, columns: &[&str], right_to_left: bool) -> Table {
        Table {
            name: name.to_string(),
            columns: columns.iter().map(|c| c.to_string()).collect(),
            rows: Vec::new(),
            right_to_left,
        }
    }

    pub fn push(&mut self, cells: Vec<Cell>) {
        self.rows.push(Row::new(cells));
    }

    /// CSV as the `csv` crate writes it: comma, `\n`, fields quoted only when needed; UTF-8
    /// without a byte-order mark.
    pub fn to_csv(&self) -> AppResult<Vec<u8>> {
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        w.write_record(&self.columns).map_err(AppError::internal)?;
        for row in &self.rows {
            w.write_record(row.cells.iter().map(Cell::csv_text))
                .map_err(AppError::internal)?;
        }
        w.into_inner().map_err(AppError::internal)
    }

    /// One sheet: a bold header row frozen at the top, money with two decimals, total rows in
    /// bold.
    pub fn to_xlsx(&self) -> AppResult<Vec<u8>> {
        workbook_xlsx(std::slice::from_ref(self))
    }

    fn write_sheet(&self, workbook: &mut Workbook) -> AppResult<()> {
        let x = |e: rust_xlsxwriter::XlsxError| AppError::internal(format!("xlsx: {e}"));
        let sheet = if self.rows.len() > CONSTANT_MEMORY_ROWS {
            workbook.add_worksheet_with_constant_memory().map_err(x)?
        } else {
            workbook.add_worksheet()
        };
        sheet.set_name(sheet_name(&self.name)).map_err(x)?;
        sheet.set_right_to_left(self.right_to_left);
        let bold = XlsxFormat::new().set_bold();
        let money = XlsxFormat::new().set_num_format("#,##0.00");
        let money_bold = XlsxFormat::new().set_num_format("#,##0.00").set_bold();
        for (c, name) in self.columns.iter().enumerate() {
            let col = col_index(c)?;
            sheet.set_column_width(col, 18).map_err(x)?;
            sheet
                .write_string_with_format(0, col, name, &bold)
                .map_err(x)?;
        }
        sheet.set_freeze_panes(1, 0).map_err(x)?;
        for (r, row) in self.rows.iter().enumerate() {
            let line = u32::try_from(r + 1)
                .ok()
                .filter(|l| *l < 1_048_576)
                .ok_or_else(|| {
                    AppError::bad_request(ErrorCode::TooManyRows, "too many rows for XLSX")
                })?;
            for (c, cell) in row.cells.iter().enumerate() {
                let col = col_index(c)?;
                match (cell, row.total) {
                    (Cell::Empty, _) => {}
                    (Cell::Text(s), false) => {
                        sheet.write_string(line, col, s).map_err(x)?;
                    }
                    (Cell::Text(s), true) => {
                        sheet
                            .write_string_with_format(line, col, s, &bold)
                            .map_err(x)?;
                    }
                    (Cell::Int(i), false) => {
                        sheet.write_number(line, col, *i as f64).map_err(x)?;
                    }
                    (Cell::Int(i), true) => {
                        sheet
                            .write_number_with_format(line, col, *i as f64, &bold)
                            .map_err(x)?;
                    }
                    (Cell::Flag(b), _) => {
                        sheet
                            .write_number(line, col, if *b { 1.0 } else { 0.0 })
                            .map_err(x)?;
                    }
                    (Cell::Money(m), total) => {
                        let value: f64 = m.to_string().parse().map_err(AppError::internal)?;
                        let format = if total { &money_bold } else { &money };
                        sheet
                            .write_number_with_format(line, col, value, format)
                            .map_err(x)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The file as an HTTP answer, with its type and a download file name.
    pub fn into_response(self, format: FileFormat) -> AppResult<Response> {
        let bytes = match format {
            FileFormat::Csv => self.to_csv()?,
            FileFormat::Xlsx => self.to_xlsx()?,
        };
        let disposition = format!(
            "attachment; filename=\"{}.{}\"",
            file_stem(&self.name),
            format.extension()
        );
        let disposition = HeaderValue::from_str(&disposition).map_err(AppError::internal)?;
        Ok((
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(format.content_type()),
                ),
                (header::CONTENT_DISPOSITION, disposition),
            ],
            bytes,
        )
            .into_response())
    }
}

/// Several tables as the sheets of one workbook, in order (names made unique by the caller).
pub fn workbook_xlsx(tables: &[Table]) -> AppResult<Vec<u8>> {
    let mut workbook = Workbook::new();
    for t in tables {
        t.write_sheet(&mut workbook)?;
    }
    workbook
        .save_to_buffer()
        .map_err(|e| AppError::internal(format!("xlsx: {e}")))
}

/// An XLSX workbook as an HTTP answer, with its download file name.
pub fn xlsx_response(tables: &[Table], name: &str) -> AppResult<Response> {
    let bytes = workbook_xlsx(tables)?;
    let disposition = format!("attachment; filename=\"{}.xlsx\"", file_stem(name));
    let disposition = HeaderValue::from_str(&disposition).map_err(AppError::internal)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(FileFormat::Xlsx.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        bytes,
    )
        .into_response())
}

fn col_index(c: usize) -> AppResult<u16> {
    u16::try_from(c)
        .ok()
        .filter(|c| *c < 16_384)
        .ok_or_else(|| AppError::internal("too many columns for XLSX"))
}

/// Excel sheet names: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    if cleaned.is_empty() {
        "Sheet1".into()
    } else {
        cleaned
    }
}

fn file_stem(name: &str) -> String {
    let stem: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if stem.is_empty() {
        "export".into()
    } else {
        stem
    }
}

/// Several values in one cell, separated by `;`.
pub fn join_list<I: IntoIterator<Item = S>, S: AsRef<str>>(items: I) -> String {
    items
        .into_iter()
        .map(|s| s.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(";")
}

pub const PROPOSAL_COLUMNS: &[&str] = &[
    "proposal_id",
    "session_id",
    "date",
    "pole_id",
    "session_douars",
    "group_kind",
    "present",
    "problem",
    "solution",
    "sector",
    "douar_id",
    "raised_by",
    "votes",
    "withdrawn",
    "need_id",
    "need_title",
];

/// Every proposal (withdrawn ones flagged) with its session's pole, douars, group kind, date and
/// people present, and the need it is in now. Three queries whatever the number of proposals.
pub fn proposals_table(tx: &Transaction<'_>) -> AppResult<Table> {
    let mut table = Table::new("proposals", PROPOSAL_COLUMNS, true);
    let mut stmt = tx.prepare(
        "SELECT p.id, p.session_id, s.date, s.pole_id, sd.douars, s.group_kind, s.present,
                p.problem, p.solution, p.sector, p.douar_id, p.raised_by, p.votes, p.deleted,
                nm.need_id, n.title
         FROM proposals p
         JOIN sessions s ON s.id = p.session_id
         LEFT JOIN (SELECT session_id, group_concat(douar_id, ';' ORDER BY douar_id) AS douars
                    FROM session_douars GROUP BY session_id) sd ON sd.session_id = p.session_id
         LEFT JOIN need_members nm ON nm.proposal_id = p.id
         LEFT JOIN needs n ON n.id = nm.need_id
         ORDER BY s.date, s.id, p.rank DESC, p.id",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        table.push(vec![
            Cell::Text(r.get(0)?),
            Cell::Text(r.get(1)?),
            Cell::Text(r.get(2)?),
            Cell::Text(r.get(3)?),
            Cell::Text(r.get::<_, Option<String>>(4)?.unwrap_or_default()),
            Cell::Text(r.get(5)?),
            Cell::Int(r.get(6)?),
            Cell::Text(r.get(7)?),
            Cell::Text(r.get(8)?),
            Cell::opt_text(r.get(9)?),
            Cell::opt_text(r.get(10)?),
            Cell::Text(r.get(11)?),
            Cell::Int(r.get(12)?),
            Cell::Flag(r.get(13)?),
            Cell::opt_int(r.get(14)?),
            Cell::opt_text(r.get(15)?),
        ]);
    }
    Ok(table)
}

/// Columns of the needs export; `sessions_<group kind>` for every group kind in between.
pub fn need_columns() -> Vec<String> {
    let mut cols: Vec<String> = [
        "need_id",
        "title",
        "sector",
        "description",
        "proposals",
        "sessions",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    cols.extend(
        GroupKind::ALL
            .iter()
            .map(|g| format!("sessions_{}", g.code())),
    );
    cols.extend(
        ["present", "poles", "douars", "project_numbers"]
            .iter()
            .map(|s| s.to_string()),
    );
    cols
}

/// Every alive need: its proposals (withdrawn ones not counted), the distinct sessions they
/// came from (in all and per group kind), the people present summed over those sessions, the
/// poles and douars, and the numbers of the projects linked to it.
pub fn needs_table(tx: &Transaction<'_>) -> AppResult<Table> {
    // The counts are the consolidation's own (one definition of "sessions that raised it").
    let mut needs = crate::consolidation::list_needs(tx)?;
    needs.sort_by_key(|n| n.id);
    let numbers: BTreeMap<i64, i64> = tx
        .prepare("SELECT id, number FROM projects")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut table = Table {
        name: "needs".into(),
        columns: need_columns(),
        rows: Vec::new(),
        right_to_left: true,
    };
    for n in needs {
        let mut cells = vec![
            Cell::Int(n.id),
            Cell::Text(n.title),
            Cell::opt_text(n.sector.map(|s| s.code().to_string())),
            Cell::Text(n.description),
            Cell::Int(n.proposals),
            Cell::Int(n.sessions),
        ];
        for g in GroupKind::ALL {
            cells.push(Cell::Int(n.sessions_by_group.get(g).copied().unwrap_or(0)));
        }
        cells.push(Cell::Int(n.present));
        cells.push(Cell::Text(join_list(&n.pole_ids)));
        cells.push(Cell::Text(join_list(&n.douar_ids)));
        let mut projects: Vec<i64> = n
            .project_ids
            .iter()
            .filter_map(|id| numbers.get(id).copied())
            .collect();
        projects.sort_unstable();
        cells.push(Cell::Text(join_list(
            projects.iter().map(|n| n.to_string()),
        )));
        table.push(cells);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    fn sample() -> Table {
        let mut t = Table::new("sample", &["name", "count", "amount", "flag"], true);
        t.push(vec![
            Cell::text("طريق, \"كبرى\""),
            Cell::Int(3),
            Cell::Money(Mad::from_centimes(2_087_000_012)),
            Cell::Flag(true),
        ]);
        t.push(vec![
            Cell::Empty,
            Cell::Int(-1),
            Cell::Empty,
            Cell::Flag(false),
        ]);
        t.rows.push(Row {
            cells: vec![Cell::text("total"), Cell::Int(2), Cell::Money(Mad::zero())],
            total: true,
        });
        t
    }

    #[test]
    fn csv_quotes_as_the_csv_crate_does_and_keeps_money_exact() {
        let csv = String::from_utf8(sample().to_csv().unwrap()).unwrap();
        assert_eq!(
            csv,
            "name,count,amount,flag\n\"طريق, \"\"كبرى\"\"\",3,20870000.12,1\n,-1,,0\ntotal,2,0.00\n"
        );
    }

    #[test]
    fn xlsx_reads_back_with_numbers_and_text() {
        let bytes = sample().to_xlsx().unwrap();
        assert_eq!(&bytes[..4], b"PK\x03\x04");
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("sample").unwrap();
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows[0][0], Data::String("name".into()));
        assert_eq!(rows[1][0], Data::String("طريق, \"كبرى\"".into()));
        assert_eq!(rows[1][2], Data::Float(20_870_000.12));
        assert_eq!(rows[3][0], Data::String("total".into()));
        assert_eq!(rows.len(), 4);
    }

    #[test]
    fn big_tables_stream_in_constant_memory() {
        let mut t = Table::new("big", &["i", "amount"], false);
        for i in 0..(CONSTANT_MEMORY_ROWS as i64 + 10) {
            t.push(vec![Cell::Int(i), Cell::Money(Mad::from_centimes(i))]);
        }
        let bytes = t.to_xlsx().unwrap();
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
        let range = book.worksheet_range("big").unwrap();
        assert_eq!(range.rows().count(), CONSTANT_MEMORY_ROWS + 11);
        let last = range.rows().next_back().unwrap().to_vec();
        assert_eq!(
            last[1],
            Data::Float((CONSTANT_MEMORY_ROWS as f64 + 9.0) / 100.0)
        );
    }

    #[test]
    fn formats_and_names() {
        assert_eq!(FileFormat::parse("XLSX").unwrap(), FileFormat::Xlsx);
        assert!(FileFormat::parse("pdf").is_err());
        assert_eq!(sheet_name("a/b:c"), "abc");
        assert_eq!(file_stem("programme table"), "programme-table");
    }
}
