import type { LiveChart, LiveUpdate } from '../../protocol/api.ts';
import type { LiveFrame } from './live-hub.ts';

/** What an athlete's own live stream carries: their tile and their line of the chart, nobody else's. */
export function updateForAthlete(update: LiveUpdate, athlete: string): LiveUpdate {
  return { ...update, athletes: update.athletes.filter((tile) => tile.id === athlete) };
}

export function frameForAthlete(frame: LiveFrame, athlete: string): LiveFrame {
  const column = frame.frame && (athlete in frame.frame ? { [athlete]: frame.frame[athlete]! } : {});
  return { update: updateForAthlete(frame.update, athlete), frame: column };
}

export function chartForAthlete(chart: LiveChart, athlete: string): LiveChart {
  const series = chart.series[athlete];
  return { t: chart.t, series: series ? { [athlete]: series } : {} };
}
