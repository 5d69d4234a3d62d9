//! FET (`.fet`) file exchange: import of FET's XML problems and export with a timetable.
mod export;
mod import;
mod xml;

pub use export::export_with_timetable;
pub use import::{FetImport, ImportOptions, SUPPORTED_CONSTRAINTS, import};

use crate::model::{Kind, Placement, Problem, Timetable};

/// Reads the timetable stored in a FET `_data_and_timetable.fet` document (its locked
/// preferred-starting-time and preferred-room constraints) as placements for `p`, whose
/// activities must come from the same data. Activities without a stored start stay unplaced.
pub fn stored_timetable(p_with_placements: &Problem, p: &Problem) -> Timetable {
    let mut tt = Timetable { placements: vec![Placement::default(); p.activities.len()] };
    let index: std::collections::HashMap<u32, usize> =
        p.activities.iter().enumerate().map(|(i, a)| (a.id, i)).collect();
    for c in &p_with_placements.constraints {
        if !c.hard {
            continue;
        }
        match &c.kind {
            Kind::PreferredStarts { activities, slots } if activities.len() == 1 && slots.len() == 1 => {
                let id = p_with_placements.activities[activities[0] as usize].id;
                if let Some(&i) = index.get(&id) {
                    tt.placements[i].start = Some(slots[0]);
                }
            }
            Kind::PreferredRooms { activities, rooms } if activities.len() == 1 && rooms.len() == 1 => {
                let id = p_with_placements.activities[activities[0] as usize].id;
                if let Some(&i) = index.get(&id) {
                    tt.placements[i].room = Some(rooms[0]);
                }
            }
            _ => {}
        }
    }
    tt
}
