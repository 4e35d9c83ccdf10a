# fig-delta.gp -- report oracle-delta: oracle error delta vs Newton-Schulz steps, one panel per schedule: scalar-map prediction (lines, one colour per kappa) and measured (points, one symbol per pre
# Data: fig-delta.dat.  Written by 'lmocheck report oracle-delta'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-delta.png'" fig-delta.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set multiplot layout 2,2
set logscale y
set format y '1e%L'
set yrange [3.33e-18:3]
set grid
unset key
set xlabel 'Newton-Schulz steps q'
set ylabel 'delta (spectral norm)'
set title 'cubic'
set xrange [0:31]
plot 'fig-delta.dat' index 0 using 1:2 with lines lw 2 lc 1, \
     'fig-delta.dat' index 0 using 1:3 with points pt 7 ps 1.1 lc 1, \
     'fig-delta.dat' index 3 using 1:3 with points pt 9 ps 1.1 lc 1, \
     'fig-delta.dat' index 6 using 1:3 with points pt 5 ps 1.1 lc 1, \
     'fig-delta.dat' index 1 using 1:2 with lines lw 2 lc 2, \
     'fig-delta.dat' index 1 using 1:3 with points pt 7 ps 1.1 lc 2, \
     'fig-delta.dat' index 4 using 1:3 with points pt 9 ps 1.1 lc 2, \
     'fig-delta.dat' index 7 using 1:3 with points pt 5 ps 1.1 lc 2, \
     'fig-delta.dat' index 2 using 1:2 with lines lw 2 lc 3, \
     'fig-delta.dat' index 2 using 1:3 with points pt 7 ps 1.1 lc 3, \
     'fig-delta.dat' index 5 using 1:3 with points pt 9 ps 1.1 lc 3, \
     'fig-delta.dat' index 8 using 1:3 with points pt 5 ps 1.1 lc 3
set title 'jordan'
set xrange [0:31]
plot 'fig-delta.dat' index 9 using 1:2 with lines lw 2 lc 1, \
     'fig-delta.dat' index 9 using 1:3 with points pt 7 ps 1.1 lc 1, \
     'fig-delta.dat' index 12 using 1:3 with points pt 9 ps 1.1 lc 1, \
     'fig-delta.dat' index 15 using 1:3 with points pt 5 ps 1.1 lc 1, \
     'fig-delta.dat' index 10 using 1:2 with lines lw 2 lc 2, \
     'fig-delta.dat' index 10 using 1:3 with points pt 7 ps 1.1 lc 2, \
     'fig-delta.dat' index 13 using 1:3 with points pt 9 ps 1.1 lc 2, \
     'fig-delta.dat' index 16 using 1:3 with points pt 5 ps 1.1 lc 2, \
     'fig-delta.dat' index 11 using 1:2 with lines lw 2 lc 3, \
     'fig-delta.dat' index 11 using 1:3 with points pt 7 ps 1.1 lc 3, \
     'fig-delta.dat' index 14 using 1:3 with points pt 9 ps 1.1 lc 3, \
     'fig-delta.dat' index 17 using 1:3 with points pt 5 ps 1.1 lc 3
set title 'polar-express'
set xrange [0:6]
plot 'fig-delta.dat' index 18 using 1:2 with lines lw 2 lc 1, \
     'fig-delta.dat' index 18 using 1:3 with points pt 7 ps 1.1 lc 1, \
     'fig-delta.dat' index 21 using 1:3 with points pt 9 ps 1.1 lc 1, \
     'fig-delta.dat' index 24 using 1:3 with points pt 5 ps 1.1 lc 1, \
     'fig-delta.dat' index 19 using 1:2 with lines lw 2 lc 2, \
     'fig-delta.dat' index 19 using 1:3 with points pt 7 ps 1.1 lc 2, \
     'fig-delta.dat' index 22 using 1:3 with points pt 9 ps 1.1 lc 2, \
     'fig-delta.dat' index 25 using 1:3 with points pt 5 ps 1.1 lc 2, \
     'fig-delta.dat' index 20 using 1:2 with lines lw 2 lc 3, \
     'fig-delta.dat' index 20 using 1:3 with points pt 7 ps 1.1 lc 3, \
     'fig-delta.dat' index 23 using 1:3 with points pt 9 ps 1.1 lc 3, \
     'fig-delta.dat' index 26 using 1:3 with points pt 5 ps 1.1 lc 3
unset title
unset xlabel
unset ylabel
unset tics
unset grid
unset border
unset logscale
set xrange [0:1]
set yrange [0:1]
set key center center vertical Left reverse samplen 3 spacing 1.2
plot NaN with lines lw 2 lc 1 title 'kappa 10 (line: predicted)', \
     NaN with lines lw 2 lc 2 title 'kappa 1000 (line: predicted)', \
     NaN with lines lw 2 lc 3 title 'kappa 100000 (line: predicted)', \
     NaN with points pt 7 ps 1.1 lc rgb 'black' title 'measured, bf16', \
     NaN with points pt 9 ps 1.1 lc rgb 'black' title 'measured, fp32', \
     NaN with points pt 5 ps 1.1 lc rgb 'black' title 'measured, fp64'
unset multiplot
