from django.urls import path

from patients import views

urlpatterns = [
    path("", views.home, name="home"),
    path("week/", views.patient_week, name="patient_week"),
    path("clinic/", views.staff_home, name="staff_home"),
]
