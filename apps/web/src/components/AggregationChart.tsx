import { useEffect, useRef } from 'react';
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { init, use, type ECharts } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

use([BarChart, LineChart, PieChart, GridComponent, TooltipComponent, SVGRenderer]);

export type ChartKind = 'bar' | 'line' | 'pie';

/** A bar, line or pie chart of one metric by bucket (ECharts, SVG renderer: no canvas, no inline scripts). */
export default function AggregationChart({ kind, labels, values, metric }: { kind: ChartKind; labels: string[]; values: number[]; metric: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | undefined>(undefined);
  useEffect(() => {
    chart.current = init(el.current!, undefined, { renderer: 'svg' });
    const resize = () => chart.current?.resize();
    window.addEventListener('resize', resize);
    return () => {
      window.removeEventListener('resize', resize);
      chart.current?.dispose();
    };
  }, []);
  useEffect(() => {
    const color = ['#2D72D2', '#29A634', '#D1980B', '#D33D17', '#9D3F9D', '#00A396', '#DB2C6F', '#7961DB', '#8EB125', '#946638'];
    chart.current?.setOption(
      kind === 'pie'
        ? { color, tooltip: { trigger: 'item' }, series: [{ type: 'pie', name: metric, radius: ['35%', '70%'], data: labels.map((name, i) => ({ name, value: values[i] })), label: { formatter: '{b}: {d}%' } }] }
        : {
            color,
            tooltip: { trigger: 'axis' },
            grid: { left: 60, right: 20, top: 20, bottom: 60 },
            xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 8 ? 30 : 0, interval: 0 } },
            yAxis: { type: 'value', name: metric },
            series: [{ type: kind, name: metric, data: values }],
          },
      true,
    );
  }, [kind, labels, values, metric]);
  return <div ref={el} className="of-chart" data-testid="chart" role="img" aria-label={`${kind} chart of ${metric}`} />;
}
