//! Sector icons, drawn as inline SVG (no icon font on the tablet).

use tachkhis_shared::Sector;
use yew::prelude::*;

/// A small line drawing per sector, for the big sector chips (drawn here: no icon font, no
/// emoji font needed on the tablet).
pub fn sector_icon(sector: &Sector) -> Html {
    let d = match sector {
        Sector::Roads => "M8 3 4 21M16 3l4 18M12 4v3m0 3v3m0 3v4",
        Sector::DrinkingWater => "M12 3s-7 8-7 12a7 7 0 0 0 14 0c0-4-7-12-7-12Z",
        Sector::Electricity => "M13 2 4 14h7l-1 8 9-12h-7Z",
        Sector::Sanitation => "M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13m-8 4v6m4-6v6",
        Sector::Health => "M9 3h6v6h6v6h-6v6H9v-6H3V9h6Z",
        Sector::Education => "M3 5c3-1 6-1 9 1 3-2 6-2 9-1v14c-3-1-6-1-9 1-3-2-6-2-9-1ZM12 6v14",
        Sector::YouthSports => {
            "M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18ZM3 12h18M12 3c3 3 3 15 0 18M12 3c-3 3-3 15 0 18"
        }
        Sector::WomenFamily => {
            "M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM2 20c0-4 3-6 6-6s6 2 6 6m3-9a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5Zm-2 3c3 0 7 1 7 6"
        }
        Sector::Culture => "M5 4h3v16H5Zm5 0h3v16h-3Zm5 1 3-1 3 15-3 1Z",
        Sector::Economy => "M12 21v-9m0 0c0-4 3-7 8-7 0 5-3 7-8 7Zm0 2c0-3-2-5-7-5 0 4 2 5 7 5Z",
        Sector::Environment => "M12 22v-6M12 3l-6 8h3l-4 5h14l-4-5h3Z",
        Sector::Governance => "M3 9l9-5 9 5ZM5 9v9m4.5-9v9m5-9v9M19 9v9M3 20h18",
        Sector::Social => "M12 20s-8-5-8-11a4 4 0 0 1 8-1 4 4 0 0 1 8 1c0 6-8 11-8 11Z",
        // A newer app's sector: a plain dot.
        Sector::Unknown(_) => "M12 10a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z",
    };
    html! {
        <svg viewBox="0 0 24 24" width="28" height="28" fill="none" stroke="currentColor"
            stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">
            <path d={d} />
        </svg>
    }
}
