//! Which map tiles a phone saves for offline use: 「この地域の地図を保存」 fetches the tiles over
//! the user's own small areas (the box around their persons in each, with a margin to find the
//! door), from a town-wide zoom down to street level. Pure arithmetic, so the estimate the user
//! sees before saving and the tiles then fetched are the same list, and tests can check it.
//!
//! Why a plan at all, not "everything in view": tile providers (地理院タイル among them) ask for
//! no bulk downloads. The plan is bounded by the user's own places and by [`MAX_TILES`].

use std::collections::BTreeSet;

/// One tile of the web map grid, named as tile servers name them (`{z}/{x}/{y}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tile {
    pub z: u8,
    pub x: u32,
    pub y: u32,
}

impl Tile {
    /// The tile holding a point at zoom `z` (Web Mercator, as Leaflet draws).
    pub fn at(lat: f64, lng: f64, z: u8) -> Tile {
        let n = f64::from(1u32 << z);
        let lat = lat.clamp(-85.05112878, 85.05112878).to_radians();
        let x = ((lng + 180.0) / 360.0 * n).floor();
        let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n).floor();
        let last = n - 1.0;
        Tile { z, x: x.clamp(0.0, last) as u32, y: y.clamp(0.0, last) as u32 }
    }

    /// The tile's address from a template with `{z}`, `{x}` and `{y}`.
    pub fn url(&self, template: &str) -> String {
        template
            .replace("{z}", &self.z.to_string())
            .replace("{x}", &self.x.to_string())
            .replace("{y}", &self.y.to_string())
    }
}

/// The zoom a saved area starts at: a town at a glance.
pub const FROM_ZOOM: u8 = 12;
/// The deepest zoom saved: houses and lanes (the 17).
pub const TO_ZOOM: u8 = 17;
/// A margin around each small area's persons, in metres: the lane to the door.
pub const MARGIN_M: f64 = 200.0;
/// The most tiles one save fetches (about 60 MB at the estimate below): beyond it the places are
/// spread too wide for a round, or one is a typo, and the user is told instead.
pub const MAX_TILES: usize = 4000;
/// What a tile is assumed to weigh for the estimate the user sees before saving: a guess for
/// 淡色地図 PNGs of a built-up area (not measured here: the test machine has no internet). The
/// save then reports the real bytes.
pub const ESTIMATED_TILE_BYTES: u64 = 15_000;

/// The tiles covering each group of points (one group per small area), with the margin, from
/// [`FROM_ZOOM`] to `to_zoom` (the smaller of [`TO_ZOOM`] and the server's deepest), each once,
/// coarsest first. `None` when more than [`MAX_TILES`] would be needed.
pub fn plan<'a>(groups: impl IntoIterator<Item = &'a [(f64, f64)]>, to_zoom: u8) -> Option<Vec<Tile>> {
    let to = to_zoom.min(TO_ZOOM);
    let mut tiles = BTreeSet::new();
    for points in groups {
        let points: Vec<(f64, f64)> = points.iter().copied().filter(|&(lat, lng)| super::in_japan(lat, lng)).collect();
        if points.is_empty() {
            continue;
        }
        let (mut south, mut north) = (f64::MAX, f64::MIN);
        let (mut west, mut east) = (f64::MAX, f64::MIN);
        for &(lat, lng) in &points {
            south = south.min(lat);
            north = north.max(lat);
            west = west.min(lng);
            east = east.max(lng);
        }
        let dlat = MARGIN_M / 111_320.0;
        let dlng = MARGIN_M / (111_320.0 * north.to_radians().cos().max(0.1));
        let (south, north, west, east) = (south - dlat, north + dlat, west - dlng, east + dlng);
        for z in FROM_ZOOM..=to.max(FROM_ZOOM) {
            // y grows southwards.
            let (a, b) = (Tile::at(north, west, z), Tile::at(south, east, z));
            let count = (u64::from(b.x - a.x) + 1) * (u64::from(b.y - a.y) + 1);
            if count + tiles.len() as u64 > MAX_TILES as u64 {
                return None;
            }
            for x in a.x..=b.x {
                for y in a.y..=b.y {
                    tiles.insert(Tile { z, x, y });
                }
            }
        }
        if tiles.len() > MAX_TILES {
            return None;
        }
    }
    Some(tiles.into_iter().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_falls_in_the_tile_tile_servers_name() {
        // 東京駅 (35.681, 139.767) at zoom 17 is tile 116423/51613 (the slippy-map formula).
        assert_eq!(Tile::at(35.6812, 139.7671, 17), Tile { z: 17, x: 116_423, y: 51_613 });
        assert_eq!(Tile::at(35.6812, 139.7671, 0), Tile { z: 0, x: 0, y: 0 });
        assert_eq!(Tile::at(35.6812, 139.7671, 2), Tile { z: 2, x: 3, y: 1 }, "north-east quarter");
        let t = Tile { z: 17, x: 116_423, y: 51_613 };
        assert_eq!(t.url("https://t.example.jp/pale/{z}/{x}/{y}.png"), "https://t.example.jp/pale/17/116423/51613.png");
    }

    #[test]
    fn a_small_area_takes_tens_of_tiles_each_once_coarsest_first() {
        // A few houses within 500 m, in two small areas that share most tiles.
        let a = [(39.80, 140.20), (39.802, 140.203)];
        let b = [(39.801, 140.201)];
        let tiles = plan([&a[..], &b[..]], 18).unwrap();
        assert!(tiles.iter().all(|t| (FROM_ZOOM..=TO_ZOOM).contains(&t.z)), "never beyond zoom 17");
        assert!((6..=60).contains(&tiles.len()), "{} tiles", tiles.len());
        assert_eq!(tiles.first().unwrap().z, FROM_ZOOM);
        let alone = plan([&a[..]], 18).unwrap();
        assert_eq!(alone, tiles, "the second area lies inside the first's margin: nothing twice");
        // Each point's own tile at every zoom is in the plan.
        for z in FROM_ZOOM..=TO_ZOOM {
            assert!(tiles.contains(&Tile::at(39.802, 140.203, z)));
        }
        // A server whose deepest zoom is 16 is not asked for 17.
        assert!(plan([&a[..]], 16).unwrap().iter().all(|t| t.z <= 16));
    }

    #[test]
    fn places_spread_too_wide_or_outside_japan_are_refused_or_left_out() {
        // One typo 100 km away: thousands of street tiles nobody visits.
        let spread = [(39.80, 140.20), (40.70, 141.20)];
        assert_eq!(plan([&spread[..]], 18), None);
        let sea = [(0.0, 0.0)];
        assert_eq!(plan([&sea[..]], 18), Some(Vec::new()));
        assert_eq!(plan(std::iter::empty(), 18), Some(Vec::new()));
    }
}
