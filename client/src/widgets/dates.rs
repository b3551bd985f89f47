//! Dates and times as written in Morocco: day/month/year, 24 h; typed forms are read leniently.

use tachkhis_shared::text::fold_digit;
use wasm_bindgen::JsValue;

/// "2022-07-14" → "14/07/2022"; anything else is shown as it is.
pub fn show_date(iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [y, m, d] => format!("{d}/{m}/{y}"),
        _ => iso.to_string(),
    }
}

/// A time in ms since the epoch, in local time: "14/07/2022 16:05".
pub fn show_time(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!(
        "{:02}/{:02}/{} {:02}:{:02}",
        d.get_date(),
        d.get_month() + 1,
        d.get_full_year(),
        d.get_hours(),
        d.get_minutes()
    )
}

/// A time of day in ms since the epoch, in local time: "16:05".
pub fn show_clock(ms: f64) -> String {
    let d = js_sys::Date::new(&JsValue::from_f64(ms));
    format!("{:02}:{:02}", d.get_hours(), d.get_minutes())
}

/// Reads a date as written in Morocco, day first: "14/07/2022", "14-7-2022", "14.07.22"
/// (Arabic-Indic digits too); gives `YYYY-MM-DD`, or `None` for anything else or no such day.
pub fn parse_date_input(text: &str) -> Option<String> {
    let normalised: String = text
        .trim()
        .chars()
        .map(|c| match fold_digit(c) {
            '-' | '.' | '\u{2212}' => '/',
            other => other,
        })
        .collect();
    let parts: Vec<&str> = normalised.split('/').collect();
    let [d, m, y] = parts.as_slice() else {
        return None;
    };
    let ok = |p: &str, max: usize| {
        !p.is_empty() && p.len() <= max && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !(ok(d, 2) && ok(m, 2) && (y.len() == 2 || y.len() == 4) && ok(y, 4)) {
        return None;
    }
    let (d, m, mut y): (u32, u32, u32) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if y < 100 {
        y += 2000;
    }
    let iso = format!("{y:04}-{m:02}-{d:02}");
    tachkhis_shared::session::validate_date(&iso)
        .ok()
        .map(|()| iso)
}

/// The local time of day now, `HH:MM`.
pub fn clock_now() -> String {
    show_clock(js_sys::Date::now())
}

/// Reads a time of day as people type it on a number pad: "9:30", "09:30", "0930", "930",
/// "9h30", "9.30", "9" (Arabic-Indic digits too); gives `HH:MM` (24 h), or `None`.
pub fn parse_time_input(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut parts: Vec<String> = vec![String::new()];
    for c in text.chars().map(fold_digit) {
        if c.is_ascii_digit() {
            parts.last_mut()?.push(c);
        } else if matches!(
            c,
            ':' | 'h' | 'H' | '.' | ',' | ' ' | '\u{066B}' | '\u{061B}'
        ) {
            if parts.len() > 1 {
                return None;
            }
            parts.push(String::new());
        } else {
            return None;
        }
    }
    let (h, m) = match parts.as_slice() {
        [only] => match only.len() {
            1 | 2 => (only.as_str(), "0"),
            3 => (&only[..1], &only[1..]),
            4 => (&only[..2], &only[2..]),
            _ => return None,
        },
        [h, m] if !h.is_empty() && h.len() <= 2 && m.len() <= 2 => {
            (h.as_str(), if m.is_empty() { "0" } else { m.as_str() })
        }
        _ => return None,
    };
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
}

/// Today in local time, `YYYY-MM-DD`.
pub fn today() -> String {
    let d = js_sys::Date::new_0();
    format!(
        "{}-{:02}-{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_as_typed() {
        for (typed, time) in [
            ("9:30", "09:30"),
            ("09:30", "09:30"),
            ("0930", "09:30"),
            ("930", "09:30"),
            ("9h30", "09:30"),
            ("18H05", "18:05"),
            ("9.5", "09:05"),
            ("14", "14:00"),
            ("14:", "14:00"),
            ("٠٩:٣٠", "09:30"),
            ("۹۳۰", "09:30"),
            (" 23:59 ", "23:59"),
            ("0", "00:00"),
        ] {
            assert_eq!(parse_time_input(typed).as_deref(), Some(time), "{typed}");
            assert!(tachkhis_shared::session::validate_time(time).is_ok());
        }
        for bad in [
            "", "24:00", "9:60", "12345", "ab", "9:30:00", "-1", ":30", "1:2:3",
        ] {
            assert_eq!(parse_time_input(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_read_day_first() {
        for (typed, iso) in [
            ("14/07/2022", "2022-07-14"),
            ("14-7-2022", "2022-07-14"),
            ("1.2.24", "2024-02-01"),
            ("٢٩/٠٢/٢٠٢٤", "2024-02-29"),
            (" 31/12/2023 ", "2023-12-31"),
        ] {
            assert_eq!(parse_date_input(typed).as_deref(), Some(iso), "{typed}");
        }
        for bad in [
            "29/02/2023",
            "2022-07-14",
            "14/07",
            "32/01/2024",
            "14/13/2024",
            "",
            "a/b/c",
            "1/1/202",
        ] {
            assert_eq!(parse_date_input(bad), None, "{bad}");
        }
        // What is shown reads back as itself.
        assert_eq!(
            parse_date_input(&show_date("2022-07-14")).as_deref(),
            Some("2022-07-14")
        );
    }
}
