//! Reading typed values out of rows. A value the database holds in a form the type cannot take
//! (a malformed UUID) is an error of the read, never a silent default: a nil UUID would name
//! nothing and look like an id.

use rusqlite::{Row, types::Type};
use tachkhis_shared::codes::CodeEnum;
use uuid::Uuid;

/// Column `i` as a UUID, from its text form.
pub fn uuid_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Uuid> {
    let text: String = row.get(i)?;
    parse_uuid(i, &text)
}

/// `text`, which came from column `i`, as a UUID.
pub fn parse_uuid(i: usize, text: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, Type::Text, Box::new(e)))
}

/// Column `i`: ids joined by the unit separator (`group_concat(x, char(31))`), empty ones left
/// out.
pub fn id_list_col(row: &Row<'_>, i: usize) -> rusqlite::Result<Vec<String>> {
    let joined: String = row.get(i)?;
    Ok(split_ids(&joined))
}

/// Ids joined by the unit separator, empty ones left out.
pub fn split_ids(joined: &str) -> Vec<String> {
    joined
        .split('\u{1f}')
        .filter(|d| !d.is_empty())
        .map(String::from)
        .collect()
}

/// A code column (sector, group kind, …) as its enum; a code this build does not know reads as
/// `Unknown`, as it does everywhere.
pub fn code<T: CodeEnum>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<T> {
    Ok(T::parse(&r.get::<_, String>(i)?))
}

/// A nullable code column.
pub fn opt_code<T: CodeEnum>(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<T>> {
    Ok(r.get::<_, Option<String>>(i)?.map(|c| T::parse(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[test]
    fn a_malformed_uuid_is_an_error_not_nil() {
        let conn = Connection::open_in_memory().unwrap();
        let read = |text: &str| conn.query_row("SELECT ?1", [text], |r| uuid_col(r, 0));
        let id = Uuid::new_v4();
        assert_eq!(read(&id.to_string()).unwrap(), id);
        let err = read("not-a-uuid").unwrap_err();
        assert!(
            matches!(
                err,
                rusqlite::Error::FromSqlConversionFailure(0, Type::Text, _)
            ),
            "{err:?}"
        );
        assert!(read("").is_err());
    }

    #[test]
    fn id_lists_leave_out_empty_ids() {
        assert_eq!(split_ids(""), Vec::<String>::new());
        assert_eq!(split_ids("a\u{1f}\u{1f}b"), vec!["a", "b"]);
    }
}
