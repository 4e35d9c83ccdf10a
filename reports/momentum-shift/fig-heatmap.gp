# fig-heatmap.gp -- report momentum-shift: log10 of the mean final outcome over (parameter, x)
# Data: fig-heatmap.dat.  Written by 'lmocheck report momentum-shift'; edit freely
# (re-running the report overwrites it).  Render, in this directory:
#   gnuplot -e "set terminal pngcairo noenhanced; set output 'fig-heatmap.png'" fig-heatmap.gp
# Without a terminal set, gnuplot opens its interactive window.
set datafile missing 'NaN'
set termoption noenhanced
set ytics ('0' 0, '0.2' 0.2, '0.4' 0.4, '0.6' 0.6)
set xlabel 'alpha = 1 - momentum'
set ylabel 'delta'
set cblabel 'log10 mean gap_final'
set logscale x
set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')
set key above horizontal
set tics out
set autoscale fix
set offsets 0, 0, 0, 0
plot 'fig-heatmap.dat' index 0 using 1:2:4:5:6:7:3 with boxxyerror fs solid 1.0 noborder lc palette notitle, \
     '' index 1 using 1:2 with points pt 6 ps 2.2 lw 2.5 lc rgb 'red' title 'best momentum per delta'
