# fig-best.gp -- report momentum-shift: best parameter vs x with the T3 and T5 predictions
# Data: fig-best.dat.  Written by 'lmocheck report momentum-shift'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-best.png'" fig-best.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set xlabel 'delta'
set ylabel 'best alpha = 1 - momentum'
set key above horizontal Left reverse
set grid
set offsets graph 0.05, graph 0.05, graph 0.1, graph 0.1
plot 'fig-best.dat' using 1:3 with linespoints pt 7 ps 1.3 lw 2 lc rgb '#1f77b4' title 'measured best', \
     '' using 1:5 with lines lw 2 dt 4 lc rgb '#2ca02c' title 'T5: alpha ratio ((1+d)/(1+d0))^(1/2)'
