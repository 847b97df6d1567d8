//! Property test of the sync protocol's pure parts: the outbox (ids, ordered pushes, lost
//! responses, retries) and the per-field merge rule ([`mimamori_core::domain::merge`]).
//!
//! Two or three devices edit two fields of one person and record checks, in any interleaving of
//! edits, pushes (whose responses may be lost) and pulls. The server here is a model that applies
//! mutations exactly as `server/src/storage/versions.rs` does, through the same `merge` function.
//! Whatever happened, once every device has pushed and pulled:
//! - every device shows what the server holds (convergence);
//! - every check is stored once, in the order each device made them;
//! - every edit was decided exactly once, and no value was lost: each overwritten value was
//!   overwritten by someone who had seen it (or by its own author); the others were filed as
//!   conflicts.

use mimamori_core::domain::merge::{merge, rebase, FieldEdit, FieldState, FieldValue, Merge, PersonField, Version};
use mimamori_core::domain::{HouseholdType, Person, PersonId};
use proptest::prelude::*;
use std::collections::{BTreeMap, HashSet};

const FIELDS: [PersonField; 2] = [PersonField::Phone, PersonField::Notes];

fn value(field: PersonField, n: u8) -> FieldValue {
    match field {
        PersonField::Phone => FieldValue::Phone(Some(format!("0185-00-000{n}"))),
        _ => FieldValue::Notes(format!("メモ{n}")),
    }
}

fn blank_person() -> Person {
    Person {
        id: PersonId::parse("p-1").unwrap(),
        name: "見守 ハナ".into(),
        kana: "みまもり はな".into(),
        address: "本町 1-1".into(),
        phone: None,
        lat: 39.8,
        lng: 140.2,
        small_area: "本町".into(),
        district: "中央".into(),
        check_interval_days: 7,
        household_type: HouseholdType::SingleElderly,
        emergency_contacts: Vec::new(),
        needs_evacuation_help: false,
        notes: String::new(),
        consent: Default::default(),
        version: 0,
        field_versions: BTreeMap::new(),
        conflicts: Vec::new(),
    }
}

#[derive(Debug, Clone)]
enum Mutation {
    Edit { id: u32, edit: FieldEdit },
    Check { id: u32 },
}

impl Mutation {
    fn id(&self) -> u32 {
        match self {
            Mutation::Edit { id, .. } | Mutation::Check { id } => *id,
        }
    }
}

/// One applied write to a field, as the server logged it.
#[derive(Debug, Clone)]
struct Write {
    version: Version,
    device: usize,
    base: Version,
}

#[derive(Default)]
struct Server {
    person: Option<Person>,
    counter: Version,
    writers: BTreeMap<PersonField, usize>,
    seen: HashSet<u32>,
    checks: Vec<(usize, u32)>,
    conflicts: Vec<(PersonField, FieldValue)>,
    writes: BTreeMap<PersonField, Vec<Write>>,
    decided: BTreeMap<u32, Merge>,
}

impl Server {
    fn person(&self) -> Person {
        self.person.clone().unwrap_or_else(blank_person)
    }

    fn apply(&mut self, device: usize, m: &Mutation) {
        if !self.seen.insert(m.id()) {
            return; // a retry: already decided
        }
        match m {
            Mutation::Check { id } => self.checks.push((device, *id)),
            Mutation::Edit { id, edit } => {
                let mut person = self.person();
                let field = edit.change.field();
                let current = FieldValue::of(&person, field);
                let version = person.field_versions.get(&field).copied().unwrap_or(0);
                let writer = self.writers.get(&field);
                let decision = merge(&FieldState { value: &current, version, writer }, edit, &device);
                match decision {
                    Merge::Apply => {
                        self.counter += 1;
                        edit.change.apply_to(&mut person);
                        person.field_versions.insert(field, self.counter);
                        person.version = self.counter;
                        self.writers.insert(field, device);
                        self.writes.entry(field).or_default().push(Write {
                            version: self.counter,
                            device,
                            base: edit.base,
                        });
                    }
                    Merge::Conflict => self.conflicts.push((field, edit.change.clone())),
                    Merge::Same => {}
                }
                assert!(self.decided.insert(*id, decision).is_none(), "an edit decided twice");
                self.person = Some(person);
            }
        }
    }
}

#[derive(Default)]
struct Device {
    copy: Option<Person>,
    outbox: Vec<Mutation>,
    made_checks: Vec<u32>,
}

impl Device {
    fn view(&self) -> Person {
        let pending: Vec<&FieldValue> = self
            .outbox
            .iter()
            .filter_map(|m| match m {
                Mutation::Edit { edit, .. } => Some(&edit.change),
                Mutation::Check { .. } => None,
            })
            .collect();
        rebase(self.copy.clone().unwrap_or_else(blank_person), pending)
    }
}

#[derive(Debug, Clone)]
enum Op {
    Edit { device: usize, field: usize, value: u8 },
    Check { device: usize },
    Push { device: usize, take: usize, lose_response: bool },
    Pull { device: usize },
}

fn op(devices: usize) -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..devices, 0..2usize, 0..4u8).prop_map(|(device, field, value)| Op::Edit { device, field, value }),
        (0..devices).prop_map(|device| Op::Check { device }),
        (0..devices, 1..4usize, any::<bool>()).prop_map(|(device, take, lose_response)| Op::Push {
            device,
            take,
            lose_response
        }),
        (0..devices).prop_map(|device| Op::Pull { device }),
    ]
}

fn scenario() -> impl Strategy<Value = (usize, Vec<Op>)> {
    (2..=3usize).prop_flat_map(|devices| (Just(devices), prop::collection::vec(op(devices), 0..60)))
}

fn push(server: &mut Server, devices: &mut [Device], d: usize, take: usize, lose_response: bool) {
    let batch: Vec<Mutation> = devices[d].outbox.iter().take(take).cloned().collect();
    for m in &batch {
        server.apply(d, m);
    }
    if !lose_response {
        devices[d].outbox.drain(..batch.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_interleaving_converges_without_losing_a_value((n, ops) in scenario()) {
        let mut server = Server::default();
        let mut devices: Vec<Device> = (0..n).map(|_| Device::default()).collect();
        let mut next_id = 0u32;
        let mut edits_made = 0usize;
        for op in ops {
            match op {
                Op::Edit { device, field, value: v } => {
                    next_id += 1;
                    edits_made += 1;
                    let field = FIELDS[field];
                    let copy = devices[device].copy.clone().unwrap_or_else(blank_person);
                    let base = copy.field_versions.get(&field).copied().unwrap_or(0);
                    let edit = FieldEdit { base, change: value(field, v) };
                    devices[device].outbox.push(Mutation::Edit { id: next_id, edit });
                }
                Op::Check { device } => {
                    next_id += 1;
                    devices[device].outbox.push(Mutation::Check { id: next_id });
                    devices[device].made_checks.push(next_id);
                }
                Op::Push { device, take, lose_response } => push(&mut server, &mut devices, device, take, lose_response),
                Op::Pull { device } => devices[device].copy = Some(server.person()),
            }
        }
        // Everyone comes back into signal: push everything (answers arrive now), then pull.
        for d in 0..n {
            while !devices[d].outbox.is_empty() {
                push(&mut server, &mut devices, d, 3, false);
            }
        }
        for device in devices.iter_mut() {
            device.copy = Some(server.person());
        }

        // Convergence.
        let truth = server.person();
        for device in &devices {
            prop_assert_eq!(device.view(), truth.clone());
        }
        // Checks: each once, in each device's order.
        for (d, device) in devices.iter().enumerate() {
            let stored: Vec<u32> = server.checks.iter().filter(|(from, _)| *from == d).map(|(_, id)| *id).collect();
            prop_assert_eq!(stored, device.made_checks.clone());
        }
        // Every edit decided exactly once.
        prop_assert_eq!(server.decided.len(), edits_made);
        // No value lost: each overwritten write was overwritten knowingly.
        for writes in server.writes.values() {
            for pair in writes.windows(2) {
                let (old, new) = (&pair[0], &pair[1]);
                prop_assert!(new.base >= old.version || new.device == old.device,
                    "write v{} by device {} overwrote v{} by device {} unseen", new.version, new.device, old.version, old.device);
            }
        }
    }
}
