//! Small, dependency-free SVG charts: horizontal bars (ns per call per path) and a log-log line
//! chart (cost against number of users).

use std::fmt::Write as _;

const COLORS: [&str; 6] = [
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#b07aa1",
];

fn escape(text: &str) -> String {
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

/// One bar per (label, ns), longest scaled to the chart's width, each labelled with its value.
pub fn bars(title: &str, rows: &[(String, f64)]) -> String {
    let (width, label_width, row_height, top) = (760.0, 230.0, 22.0, 34.0);
    let height = top + row_height * rows.len() as f64 + 12.0;
    let max = rows.iter().map(|r| r.1).fold(f64::MIN_POSITIVE, f64::max);
    let bar_room = width - label_width - 90.0;
    let mut svg = open(width, height, title);
    for (i, (label, ns)) in rows.iter().enumerate() {
        let y = top + row_height * i as f64;
        let length = (ns / max * bar_room).max(1.0);
        let color = if label.contains("native") {
            "#9c9c9c"
        } else {
            COLORS[i % COLORS.len()]
        };
        let _ = write!(
            svg,
            r#"<text x="{x}" y="{ty}" text-anchor="end">{label}</text><rect x="{bx}" y="{y}" width="{length:.1}" height="{h}" fill="{color}"/><text x="{vx:.1}" y="{ty}">{value}</text>"#,
            x = label_width - 6.0,
            ty = y + 13.0,
            label = escape(label),
            bx = label_width,
            h = row_height - 6.0,
            vx = label_width + length + 4.0,
            value = format_ns(*ns),
        );
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
