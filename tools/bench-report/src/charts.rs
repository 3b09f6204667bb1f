//! Small, dependency-free SVG charts: ratios to native with their intervals, and a log-log line
//! chart (cost against number of users).

use std::fmt::Write as _;

use crate::stats::{ratio_number, Interval};

const COLORS: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];

/// Text made safe inside SVG or HTML markup.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The opening tag and the title of a chart.
fn open(width: f64, height: f64, title: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12"><text x="8" y="20" font-size="14" font-weight="bold">{}</text>"#,
        escape(title)
    )
}

/// One row of the ratio chart.
pub struct RatioRow {
    /// The group the row is drawn under (the operation).
    pub group: String,
    /// "cpp static".
    pub label: String,
    /// Picks the colour (the caller).
    pub series: String,
    pub ratio: f64,
    pub interval: Option<Interval>,
}

/// Ratio to native, one row per caller and path under each group: a dot at the median ratio, a bar
/// across its 95% interval, on a log axis with a line at 1.0.
pub fn ratios(title: &str, rows: &[RatioRow]) -> String {
    let (width, label_width, value_width, row_height, top) = (900.0, 250.0, 190.0, 17.0, 58.0);
    let groups = rows
        .iter()
        .enumerate()
        .filter(|(i, r)| *i == 0 || rows[i - 1].group != r.group)
        .count();
    let height = top + row_height * (rows.len() + groups) as f64 + 16.0;
    let mut svg = open(width, height, title);
    let extremes = rows.iter().flat_map(|r| {
        [
            r.ratio,
            r.interval.map_or(r.ratio, |i| i.lo),
            r.interval.map_or(r.ratio, |i| i.hi),
        ]
    });
    let (lo, hi) = extremes.fold((1.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let d0 = lo.log10().floor();
    let d1 = hi.log10().ceil().max(d0 + 1.0);
    let plot = (label_width, width - value_width);
    let sx = |v: f64| plot.0 + (v.max(1e-12).log10() - d0) / (d1 - d0) * (plot.1 - plot.0);
    let series: Vec<&str> = rows.iter().fold(Vec::new(), |mut seen, r| {
        if !seen.contains(&r.series.as_str()) {
            seen.push(&r.series);
        }
        seen
    });
    for (i, name) in series.iter().enumerate() {
        let x = label_width + 110.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="30" width="12" height="12" fill="{}"/><text x="{}" y="40">{}</text>"#,
            COLORS[i % COLORS.len()],
            x + 16.0,
            escape(name)
        );
    }
    let bottom = height - 12.0;
    for d in (d0 as i32)..=(d1 as i32) {
        let x = sx(10f64.powi(d));
        let stroke = if d == 0 { "#333" } else { "#ddd" };
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{top0}" x2="{x:.1}" y2="{bottom}" stroke="{stroke}"/><text x="{x:.1}" y="{ty}" text-anchor="middle" fill="#555">{label}x</text>"##,
            top0 = top - 6.0,
            ty = top - 9.0,
            label = 10f64.powi(d),
        );
    }
    let mut y = top;
    for (i, row) in rows.iter().enumerate() {
        if i == 0 || rows[i - 1].group != row.group {
            let _ = write!(
                svg,
                r#"<text x="8" y="{:.1}" font-weight="bold">{}</text>"#,
                y + 12.0,
                escape(&row.group)
            );
            y += row_height;
        }
        let color =
            COLORS[series.iter().position(|s| *s == row.series).unwrap_or(0) % COLORS.len()];
        let cy = y + row_height / 2.0;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            label_width - 8.0,
            cy + 4.0,
            escape(&row.label)
        );
        if let Some(interval) = row.interval {
            let _ = write!(
                svg,
                r#"<line x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}" stroke="{color}" stroke-width="3" stroke-opacity="0.45"/>"#,
                sx(interval.lo),
                sx(interval.hi).max(sx(interval.lo) + 1.0)
            );
        }
        let _ = write!(
            svg,
            r#"<circle cx="{:.1}" cy="{cy:.1}" r="3.5" fill="{color}"/><text x="{}" y="{:.1}">{}</text>"#,
            sx(row.ratio),
            plot.1 + 8.0,
            cy + 4.0,
            escape(&match row.interval {
                Some(i) => format!(
                    "{}x [{}, {}]",
                    ratio_number(row.ratio),
                    ratio_number(i.lo),
                    ratio_number(i.hi)
                ),
                None => format!("{}x", ratio_number(row.ratio)),
            })
        );
        y += row_height;
    }
    svg.push_str("</svg>\n");
    svg
}

/// Lines of (users, ns) points on log-log axes, one per series.
pub fn lines(title: &str, series: &[(String, Vec<(f64, f64)>)]) -> String {
    let (width, height, left, right, top, bottom) = (760.0, 420.0, 80.0, 200.0, 40.0, 50.0);
    let points: Vec<(f64, f64)> = series.iter().flat_map(|s| s.1.iter().copied()).collect();
    let mut svg = open(width, height, title);
    if points.is_empty() {
        svg.push_str("</svg>\n");
        return svg;
    }
    let decade = |v: f64, up: bool| {
        if up {
            v.log10().ceil()
        } else {
            v.log10().floor()
        }
    };
    let (x0, x1) = (
        decade(points.iter().map(|p| p.0).fold(f64::MAX, f64::min), false),
        decade(points.iter().map(|p| p.0).fold(f64::MIN, f64::max), true).max(1.0),
    );
    let (y0, y1) = (
        decade(points.iter().map(|p| p.1).fold(f64::MAX, f64::min), false),
        decade(points.iter().map(|p| p.1).fold(f64::MIN, f64::max), true),
    );
    let (x1, y1) = (
        if x1 <= x0 { x0 + 1.0 } else { x1 },
        if y1 <= y0 { y0 + 1.0 } else { y1 },
    );
    let plot_w = width - left - right;
    let plot_h = height - top - bottom;
    let sx = |x: f64| left + (x.log10() - x0) / (x1 - x0) * plot_w;
    let sy = |y: f64| top + plot_h - (y.log10() - y0) / (y1 - y0) * plot_h;
    for d in (x0 as i32)..=(x1 as i32) {
        let x = sx(10f64.powi(d));
        let _ = write!(
            svg,
            r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{b}" stroke="#ddd"/><text x="{x:.1}" y="{ty}" text-anchor="middle">10^{d}</text>"##,
            b = top + plot_h,
            ty = top + plot_h + 16.0
        );
    }
    for d in (y0 as i32)..=(y1 as i32) {
        let y = sy(10f64.powi(d));
        let _ = write!(
            svg,
            r##"<line x1="{left}" y1="{y:.1}" x2="{r}" y2="{y:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"##,
            r = left + plot_w,
            tx = left - 6.0,
            ty = y + 4.0,
            label = format_ns(10f64.powi(d))
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{x}" y="{y}" text-anchor="middle">users</text>"#,
        x = left + plot_w / 2.0,
        y = height - 10.0
    );
    for (i, (name, pts)) in series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let path: Vec<String> = pts
            .iter()
            .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"#,
            path.join(" ")
        );
        for &(x, y) in pts {
            let _ = write!(
                svg,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{color}"/>"#,
                sx(x),
                sy(y)
            );
        }
        let ly = top + 16.0 * i as f64;
        let _ = write!(
            svg,
            r#"<rect x="{lx}" y="{ry}" width="12" height="12" fill="{color}"/><text x="{tx}" y="{ty}">{}</text>"#,
            escape(name),
            lx = left + plot_w + 12.0,
            ry = ly,
            tx = left + plot_w + 30.0,
            ty = ly + 10.0
        );
    }
    svg.push_str("</svg>\n");
    svg
}

/// "0.83 ns", "1.48 us", "3.46 ms".
pub fn format_ns(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.2} ns")
    }
}
