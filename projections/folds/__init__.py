"""Pure folds shared by the views: plain lists of Recorded in, plain values out."""
