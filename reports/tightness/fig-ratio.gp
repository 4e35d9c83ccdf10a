# fig-ratio.gp -- report tightness: measured / bound per check point, grouped by theorem
# Data: fig-ratio.dat.  Written by 'lmocheck report tightness'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-ratio.png'" fig-ratio.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set xlabel 'check point (grouped by theorem)'
set ylabel 'measured / bound'
set xtics ('O1' 6, 'P1' 13.5, 'P3' 17, 'T1' 21.5, 'T2' 27.5, 'T3' 33.5, 'T4' 38.5, 'T6' 44.5, 'T7' 52, 'T8' 59.5, 'V1' 66.5, 'V2' 72.5, 'V3' 77, 'V4' 80, 'V5' 83.5, 'V7' 87.5) scale 0
set xrange [0.5:89.5]
set grid ytics
set logscale y
set format y '%.0e'
set key outside right top vertical Left reverse box
set offsets 0, 0, graph 0.1, graph 0.1
plot 'fig-ratio.dat' index 0 using 1:2 with points pt 7 ps 1.3 lc 1 title 'O1', \
     'fig-ratio.dat' index 1 using 1:2 with points pt 7 ps 1.3 lc 2 title 'P1', \
     'fig-ratio.dat' index 2 using 1:2 with points pt 7 ps 1.3 lc 3 title 'P3', \
     'fig-ratio.dat' index 3 using 1:2 with points pt 7 ps 1.3 lc 4 title 'T1', \
     'fig-ratio.dat' index 4 using 1:2 with points pt 7 ps 1.3 lc 5 title 'T2', \
     'fig-ratio.dat' index 5 using 1:2 with points pt 7 ps 1.3 lc 6 title 'T3', \
     'fig-ratio.dat' index 6 using 1:2 with points pt 7 ps 1.3 lc 7 title 'T4', \
     'fig-ratio.dat' index 7 using 1:2 with points pt 7 ps 1.3 lc 8 title 'T6', \
     'fig-ratio.dat' index 8 using 1:2 with points pt 7 ps 1.3 lc 9 title 'T7', \
     'fig-ratio.dat' index 9 using 1:2 with points pt 7 ps 1.3 lc 10 title 'T8', \
     'fig-ratio.dat' index 10 using 1:2 with points pt 7 ps 1.3 lc 11 title 'V1', \
     'fig-ratio.dat' index 11 using 1:2 with points pt 7 ps 1.3 lc 12 title 'V2', \
     'fig-ratio.dat' index 12 using 1:2 with points pt 7 ps 1.3 lc 13 title 'V3', \
     'fig-ratio.dat' index 13 using 1:2 with points pt 7 ps 1.3 lc 14 title 'V4', \
     'fig-ratio.dat' index 14 using 1:2 with points pt 7 ps 1.3 lc 15 title 'V5', \
     'fig-ratio.dat' index 15 using 1:2 with points pt 7 ps 1.3 lc 16 title 'V7', \
     1 with lines lw 2 dt 2 lc rgb 'black' title 'bound (ratio = 1)'
