//! Writes a solved timetable back into a FET file the way FET's `_data_and_timetable.fet` does:
//! the original data plus one preferred-starting-time constraint (and one preferred-room
//! constraint when a room was allocated) per activity, at 100 %.

use std::fmt::Write as _;

use crate::error::{Result, TimetableError};
use crate::model::{Problem, Timetable};

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// Returns `original` (the FET document `p` was imported from) with the placements of `tt` added.
pub fn export_with_timetable(original: &str, p: &Problem, tt: &Timetable) -> Result<String> {
    let h = p.periods.len().max(1);
    let mut time = String::new();
    let mut space = String::new();
    for (i, act) in p.activities.iter().enumerate() {
        let Some(pl) = tt.placements.get(i) else { continue };
        let Some(s) = pl.start else { continue };
        let (d, q) = (usize::from(s) / h, usize::from(s) % h);
        let (Some(day), Some(hour)) = (p.days.get(d), p.periods.get(q)) else {
            return Err(TimetableError::Internal(format!("activity {} placed outside the week", act.id)));
        };
        let _ = write!(
            time,
            "<ConstraintActivityPreferredStartingTime>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{}</Activity_Id>\n\t<Preferred_Day>{}</Preferred_Day>\n\t<Preferred_Hour>{}</Preferred_Hour>\n\t<Permanently_Locked>false</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments></Comments>\n</ConstraintActivityPreferredStartingTime>\n",
            act.id,
            escape(day),
            escape(hour)
        );
        if let Some(room) = pl.room.and_then(|r| p.rooms.get(r as usize)) {
            let _ = write!(
                space,
                "<ConstraintActivityPreferredRoom>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{}</Activity_Id>\n\t<Room>{}</Room>\n\t<Permanently_Locked>false</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments></Comments>\n</ConstraintActivityPreferredRoom>\n",
                act.id,
                escape(&room.name)
            );
        }
    }
    let with_time = insert_before_close(original, "Time_Constraints_List", &time)?;
    insert_before_close(&with_time, "Space_Constraints_List", &space)
}

/// Inserts `content` just before `</list>`, or replaces an empty `<list/>` by a full list.
fn insert_before_close(doc: &str, list: &str, content: &str) -> Result<String> {
    if content.is_empty() {
        return Ok(doc.to_string());
    }
    let close = format!("</{list}>");
    if let Some(pos) = doc.rfind(&close) {
        let mut out = String::with_capacity(doc.len() + content.len());
        out.push_str(&doc[..pos]);
        out.push_str(content);
        out.push_str(&doc[pos..]);
        return Ok(out);
    }
    let empty = format!("<{list}/>");
    if let Some(pos) = doc.rfind(&empty) {
        return Ok(format!("{}<{list}>\n{content}</{list}>{}", &doc[..pos], &doc[pos + empty.len()..]));
    }
    if let Some(pos) = doc.rfind("</fet>") {
        return Ok(format!("{}<{list}>\n{content}</{list}>\n{}", &doc[..pos], &doc[pos..]));
    }
    Err(TimetableError::BadInput { line: 0, message: format!("the document has no <{list}> and no </fet>") })
}
