/**
 * A chart of values per day, drawn by uPlot (22 KB gzipped, no dependencies, made for time
 * series; see DashboardPage for why). A canvas says nothing to a screen reader, so every chart
 * is a figure with a title, a sentence that says what it shows, its own legend in HTML, and the
 * numbers themselves in a table anyone can open.
 */
import { type CSSProperties, useEffect, useId, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface DaySeries {
  label: string;
  /** One value per day; null where there is nothing to show (no case to take a percentile of). */
  values: (number | null)[];
  color: string;
  /** Bars for counts of one thing; lines otherwise. */
  bars?: boolean;
  dashed?: boolean;
}

const HEIGHT = 220;
// Steps between the y axis's marks for counts: whole numbers only (no "1.5 handoffs").
const WHOLE_STEPS = [1, 2, 5].flatMap((step) => [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8].map((power) => step * power)).sort((a, b) => a - b);
const AXIS = "#5b6670";
const GRID = "#e6e9ec";

/** A day (YYYY-MM-DD) as uPlot's x: the local midnight, in seconds, so its axis labels the days. */
export function dayStart(day: string): number {
  const [year = 1970, month = 1, date = 1] = day.split("-").map(Number);
  return new Date(year, month - 1, date).getTime() / 1000;
}

const shortDay = new Intl.DateTimeFormat(undefined, { day: "numeric", month: "short" });

export function formatShortDay(day: string): string {
  return shortDay.format(new Date(dayStart(day) * 1000));
}

export function DayChart({
  title,
  summary,
  days,
  series,
  format,
  whole = false,
}: {
  title: string;
  /** What the chart shows, in a sentence or two: read out in place of the picture. */
  summary: string;
  days: string[];
  series: DaySeries[];
  /** How a value reads (on the y axis and in the table). */
  format: (value: number) => string;
  /** Counts of things: the y axis marks whole numbers only. */
  whole?: boolean;
}) {
  const titleId = useId();
  const summaryId = useId();
  const canvas = useRef<HTMLDivElement>(null);
  // Drawn again only when the data changes; `format` is read through a ref.
  const formatRef = useRef(format);
  formatRef.current = format;

  useEffect(() => {
    const element = canvas.current;
    if (!element) return;
    const width = () => Math.max(element.clientWidth, 280);
    const options: uPlot.Options = {
      width: width(),
      height: HEIGHT,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true } },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID } },
        {
          stroke: AXIS,
          grid: { stroke: GRID, width: 1 },
          ticks: { stroke: GRID },
          size: 60,
          incrs: whole ? WHOLE_STEPS : undefined,
          values: (_chart, values) => values.map((value) => formatRef.current(value)),
        },
      ],
      series: [
        {},
        ...series.map((line) => ({
          label: line.label,
          stroke: line.color,
          width: line.bars ? 0 : 2,
          fill: line.bars ? line.color : undefined,
          dash: line.dashed ? [6, 4] : undefined,
          points: { show: !line.bars && days.length <= 31 },
          paths: line.bars ? uPlot.paths.bars?.({ size: [0.7, 28] }) : undefined,
        })),
      ],
    };
    const data: uPlot.AlignedData = [days.map(dayStart), ...series.map((line) => line.values)];
    const chart = new uPlot(options, data, element);
    // The chart takes its container's width, now and whenever the window changes it.
    const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => chart.setSize({ width: width(), height: HEIGHT }));
    observer?.observe(element);
    return () => {
      observer?.disconnect();
      chart.destroy();
    };
  }, [days, series, whole]);

  return (
    <figure className="chart card" aria-labelledby={titleId} aria-describedby={summaryId}>
      <figcaption>
        <h2 id={titleId}>{title}</h2>
        <p id={summaryId} className="chart-summary">
          {summary}
        </p>
      </figcaption>
      <ul className="chart-legend" aria-hidden="true">
        {series.map((line) => (
          <li key={line.label}>
            <span className={line.dashed ? "swatch dashed" : "swatch"} style={{ "--swatch": line.color } as CSSProperties} />
            {line.label}
          </li>
        ))}
      </ul>
      {/* The picture; what it says is in the caption above and the table below. */}
      <div className="chart-canvas" ref={canvas} aria-hidden="true" />
      <details className="chart-numbers">
        <summary>The numbers</summary>
        <div className="table-scroll">
          <table className="table">
            <caption className="visually-hidden">{title}, day by day</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                {series.map((line) => (
                  <th key={line.label} scope="col">
                    {line.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {days.map((day, index) => (
                <tr key={day}>
                  <th scope="row">{formatShortDay(day)}</th>
                  {series.map((line) => {
                    const value = line.values[index];
                    return <td key={line.label}>{value === null || value === undefined ? "–" : format(value)}</td>;
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </figure>
  );
}
