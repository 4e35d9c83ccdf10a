# fig-best.gp -- report step-shift-ns: best parameter vs x with the T3 and T5 predictions
# Data: fig-best.dat.  Written by 'lmocheck report step-shift-ns'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-best.png'" fig-best.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set xlabel 'steps'
set ylabel 'best lr'
set key above horizontal Left reverse
set grid
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1
plot 'fig-best.dat' using 1:3 with linespoints pt 7 ps 1.3 lw 2 lc rgb '#1f77b4' title 'measured best', \
     '' using 1:4 with lines lw 2 dt 2 lc rgb '#d62728' title 'T3: (1+d0)/(1+d)', \
     '' using 1:5 with lines lw 2 dt 4 lc rgb '#2ca02c' title 'T5: ((1+d)/(1+d0))^(-1/4)'
