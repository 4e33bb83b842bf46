/**
 * The war room's plot of tickets sold and checked in over time, drawn by uPlot (a ~50 kB canvas
 * time-series chart that redraws thousands of points in a millisecond or two, so redrawing on every
 * snapshot costs nothing). Times on the axis are the event's own wall clock, as in the reports.
 */
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { appendReading, toColumns, type SeriesPoint } from "./organizer-live-series.lib";

const SOLD_COLOUR = "#3b3bd6";
const CHECKED_IN_COLOUR = "#1f7a4d";

export class SalesChart {
  private readonly plot: uPlot;
  private series: SeriesPoint[];

  constructor(
    private readonly host: HTMLElement,
    history: SeriesPoint[],
    timeZone: string,
  ) {
    this.series = [...history];
    const count = new Intl.NumberFormat();
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height(),
        tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), timeZone),
        cursor: { drag: { x: false, y: false } },
        legend: { show: false },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
        axes: [
          { stroke: "#5b6472", grid: { stroke: "#eceef1" }, ticks: { stroke: "#e3e6ea" } },
          { stroke: "#5b6472", grid: { stroke: "#eceef1" }, ticks: { stroke: "#e3e6ea" }, values: (_u, ticks) => ticks.map((t) => count.format(t)), size: 56 },
        ],
        series: [
          {},
          { label: "Tickets sold", stroke: SOLD_COLOUR, fill: "rgba(59, 59, 214, 0.08)", width: 2.5, spanGaps: true, points: { show: false } },
          { label: "Checked in", stroke: CHECKED_IN_COLOUR, width: 2.5, spanGaps: true, points: { show: false } },
        ],
      },
      toColumns(this.series),
      host,
    );
    this.mark();
    new ResizeObserver(() => this.plot.setSize({ width: this.width(), height: this.height() })).observe(host);
  }

  /** A live reading: the line grows by one point (or the last flat point moves forward). */
  add(reading: SeriesPoint): void {
    this.series = appendReading(this.series, reading);
    this.plot.setData(toColumns(this.series));
    this.mark();
  }

  /** What the plot shows, for tests and for anyone reading the page source. */
  private mark(): void {
    const last = this.series.at(-1);
    this.host.dataset.points = String(this.series.length);
    this.host.dataset.lastSold = last?.sold === null || last === undefined ? "" : String(last.sold);
  }

  private width(): number {
    return Math.max(260, Math.floor(this.host.clientWidth));
  }

  private height(): number {
    return this.host.clientWidth < 520 ? 200 : 280;
  }
}
